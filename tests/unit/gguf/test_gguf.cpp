#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "../../support/gguf_builder.h"
#include "gguf/dequantize.h"
#include "gguf/gguf.h"
#include "gguf/quant_blocks.h"

namespace llmz {
namespace {

using testing::GgufBuilder;

std::vector<std::uint8_t> f32_bytes(const std::vector<float>& v) {
  std::vector<std::uint8_t> out(v.size() * 4);
  std::memcpy(out.data(), v.data(), out.size());
  return out;
}

GgufBuilder valid_builder() {
  GgufBuilder b;
  b.str("general.architecture", "llama")
      .u32("llama.block_count", 30)
      .i32("neg", -5)
      .u64("big", 1ull << 40)
      .f32("eps", 1e-5f)
      .boolean("flag", true)
      .str_array("tokenizer.ggml.tokens", {"a", "bc", ""})
      .i32_array("types", {1, 3, -2});
  b.tensor("w", 0, {4, 2}, f32_bytes({1, 2, 3, 4, 5, 6, 7, 8}));
  std::vector<std::uint8_t> q8(34 * 2, 0);
  q8[0] = 0x00;
  q8[1] = 0x3C;  // d = 1.0
  for (int i = 0; i < 32; ++i) q8[2 + i] = static_cast<std::uint8_t>(i - 16);
  b.tensor("q", 8, {64}, q8);
  return b;
}

TEST(Gguf, ParsesAValidFile) {
  const auto bytes = valid_builder().build();
  auto f = gguf::GgufFile::parse(bytes);
  ASSERT_TRUE(f.ok()) << f.error().message();
  const auto& g = f.value();
  EXPECT_EQ(g.version(), 3u);
  EXPECT_EQ(g.get_string("general.architecture").value(), "llama");
  EXPECT_EQ(g.get_u64("llama.block_count").value(), 30u);
  EXPECT_EQ(g.get_i64("neg").value(), -5);
  EXPECT_EQ(g.get_u64("neg").status(), Status::type_mismatch);
  EXPECT_EQ(g.get_u64("big").value(), 1ull << 40);
  EXPECT_FLOAT_EQ(static_cast<float>(g.get_f64("eps").value()), 1e-5f);
  EXPECT_TRUE(g.get_bool("flag").value());
  auto toks = g.get_string_array("tokenizer.ggml.tokens");
  ASSERT_TRUE(toks.ok());
  ASSERT_EQ(toks.value().size(), 3u);
  EXPECT_EQ(toks.value()[1], "bc");
  EXPECT_EQ(toks.value()[2], "");
  EXPECT_EQ(g.get_i32_array("types").value(), (std::vector<std::int32_t>{1, 3, -2}));
  EXPECT_EQ(g.get_string("llama.block_count").status(), Status::type_mismatch);
  EXPECT_EQ(g.get_u64("nope").status(), Status::missing_key);
  EXPECT_EQ(g.get_string_array("types").status(), Status::type_mismatch);

  ASSERT_EQ(g.tensors().size(), 2u);
  const gguf::TensorInfo* w = g.find_tensor("w");
  ASSERT_NE(w, nullptr);
  EXPECT_EQ(w->ne[0], 4u);
  EXPECT_EQ(w->ne[1], 2u);
  EXPECT_EQ(w->n_rows, 2u);
  EXPECT_EQ(w->row_bytes, 16u);
  EXPECT_EQ(w->offset_in_file % 32, 0u);
  float row[4];
  ASSERT_EQ(gguf::dequantize_row(w->type, w->data + w->row_bytes, row, 4), Status::ok);
  EXPECT_EQ(row[0], 5.0f);
  const gguf::TensorInfo* q = g.find_tensor("q");
  ASSERT_NE(q, nullptr);
  float qrow[64];
  ASSERT_EQ(gguf::dequantize_row(q->type, q->data, qrow, 64), Status::ok);
  EXPECT_EQ(qrow[0], -16.0f);
  EXPECT_EQ(qrow[31], 15.0f);
  EXPECT_EQ(g.find_tensor("missing"), nullptr);
}

TEST(Gguf, EveryTruncationFailsCleanly) {
  const auto bytes = valid_builder().build();
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    auto f = gguf::GgufFile::parse(std::span<const std::uint8_t>(bytes.data(), n));
    ASSERT_FALSE(f.ok()) << "truncated at " << n;
    const Status s = f.status();
    EXPECT_TRUE(s == Status::truncated || s == Status::out_of_bounds || s == Status::bad_magic) << n << " " << f.error().message();
  }
}

// Patches a little-endian value at `offset` of a valid file.
std::vector<std::uint8_t> patched(std::vector<std::uint8_t> b, std::size_t offset, std::uint64_t value, int bytes) {
  for (int i = 0; i < bytes; ++i) b.at(offset + static_cast<std::size_t>(i)) = static_cast<std::uint8_t>(value >> (8 * i));
  return b;
}

Status parse_status(const std::vector<std::uint8_t>& b) { return gguf::GgufFile::parse(b).status(); }

TEST(Gguf, HostileHeaders) {
  const auto good = valid_builder().build();
  EXPECT_EQ(parse_status(patched(good, 0, 'X', 1)), Status::bad_magic);
  EXPECT_EQ(parse_status(patched(good, 4, 1, 4)), Status::unsupported_version);
  EXPECT_EQ(parse_status(patched(good, 4, 99, 4)), Status::unsupported_version);
  EXPECT_EQ(parse_status(patched(good, 8, 1ull << 63, 8)), Status::truncated);   // tensor count
  EXPECT_EQ(parse_status(patched(good, 16, 1ull << 62, 8)), Status::truncated);  // kv count
  // First key's length (at 24) absurd.
  EXPECT_EQ(parse_status(patched(good, 24, 1ull << 60, 8)), Status::overflow);
  // First key's value type (after "general.architecture": 24 + 8 + 20) unknown.
  EXPECT_EQ(parse_status(patched(good, 52, 77, 4)), Status::unknown_type);
  // The string value's length absurd.
  EXPECT_EQ(parse_status(patched(good, 56, 1ull << 60, 8)), Status::overflow);
  EXPECT_EQ(parse_status(patched(good, 56, 1ull << 20, 8)), Status::truncated);
}

TEST(Gguf, HostileArraysAndTensors) {
  {
    GgufBuilder b;
    b.key("arr", 9);
    GgufBuilder::put(b.kv, 4, 4);         // u32 elements
    GgufBuilder::put(b.kv, 1ull << 62, 8);  // absurd count
    EXPECT_EQ(parse_status(b.build()), Status::truncated);
  }
  {
    GgufBuilder b;
    b.key("arr", 9);
    GgufBuilder::put(b.kv, 8, 4);  // strings
    GgufBuilder::put(b.kv, 1ull << 61, 8);
    EXPECT_EQ(parse_status(b.build()), Status::truncated);
  }
  {
    GgufBuilder b;
    b.key("arr", 9);
    GgufBuilder::put(b.kv, 200, 4);  // unknown element type
    GgufBuilder::put(b.kv, 1, 8);
    EXPECT_EQ(parse_status(b.build()), Status::unknown_type);
  }
  auto one_tensor = [](std::uint32_t type, std::vector<std::uint64_t> ne, std::size_t bytes) {
    GgufBuilder b;
    b.tensor("t", type, ne, std::vector<std::uint8_t>(bytes, 0));
    return b;
  };
  EXPECT_TRUE(gguf::GgufFile::parse(one_tensor(0, {8}, 32).build()).ok());
  EXPECT_EQ(parse_status(one_tensor(0, {8}, 31).build()), Status::out_of_bounds);         // data past the end
  EXPECT_EQ(parse_status(one_tensor(99, {8}, 32).build()), Status::unknown_type);          // unknown type
  EXPECT_EQ(parse_status(one_tensor(0, {}, 32).build()), Status::overflow);                // 0 dims
  EXPECT_EQ(parse_status(one_tensor(0, {1, 1, 1, 1, 8}, 32).build()), Status::overflow);   // 5 dims
  EXPECT_EQ(parse_status(one_tensor(0, {1ull << 40, 1ull << 40}, 32).build()), Status::overflow);
  EXPECT_EQ(parse_status(one_tensor(0, {0}, 32).build()), Status::corrupt_data);           // zero dim
  EXPECT_EQ(parse_status(one_tensor(8, {33}, 64).build()), Status::corrupt_data);          // not whole blocks
  {
    auto b = one_tensor(0, {8}, 32);
    b.tensors.resize(b.tensors.size() - 8);
    GgufBuilder::put(b.tensors, 4, 8);  // misaligned offset
    EXPECT_EQ(parse_status(b.build()), Status::bad_alignment);
  }
  {
    auto b = one_tensor(0, {8}, 32);
    b.tensors.resize(b.tensors.size() - 8);
    GgufBuilder::put(b.tensors, 1ull << 62, 8);  // offset far outside
    EXPECT_EQ(parse_status(b.build()), Status::out_of_bounds);
  }
  {
    GgufBuilder b;
    b.tensor("t", 0, {8}, std::vector<std::uint8_t>(32, 0)).tensor("t", 0, {8}, std::vector<std::uint8_t>(32, 0));
    EXPECT_EQ(parse_status(b.build()), Status::duplicate_key);
  }
  {
    GgufBuilder b;
    b.u32("k", 1).u32("k", 2);
    EXPECT_EQ(parse_status(b.build()), Status::duplicate_key);
  }
  for (std::uint32_t align : {0u, 3u, 48u}) {
    GgufBuilder b;
    b.u32("general.alignment", align);
    EXPECT_EQ(parse_status(b.build()), Status::bad_alignment) << align;
  }
  {
    GgufBuilder b;
    b.str("general.alignment", "32");
    EXPECT_EQ(parse_status(b.build()), Status::type_mismatch);
  }
  {
    GgufBuilder b;
    b.boolean("flag", true);
    auto bytes = b.build();
    bytes[24 + 8 + 4 + 4] = 7;  // a bool that is neither 0 nor 1
    EXPECT_EQ(parse_status(bytes), Status::corrupt_data);
  }
}

TEST(Gguf, Version2AndEmptyFilesParse) {
  GgufBuilder b;
  b.version = 2;
  b.u32("x", 1);
  EXPECT_TRUE(gguf::GgufFile::parse(b.build()).ok());
  EXPECT_TRUE(gguf::GgufFile::parse(GgufBuilder().build()).ok());
}

TEST(Gguf, OpenReportsMissingFiles) {
  auto f = gguf::GgufFile::open("/nonexistent/model.gguf");
  EXPECT_EQ(f.status(), Status::io_error);
  EXPECT_NE(f.error().detail.find("/nonexistent/model.gguf"), std::string::npos);
}

double reference_fp16(std::uint16_t h) {
  const int sign = h >> 15, exponent = (h >> 10) & 31, mantissa = h & 1023;
  double v;
  if (exponent == 0) v = std::ldexp(static_cast<double>(mantissa), -24);
  else if (exponent == 31) v = mantissa != 0 ? NAN : INFINITY;
  else v = std::ldexp(static_cast<double>(mantissa + 1024), exponent - 25);
  return sign ? -v : v;
}

TEST(Gguf, HalfPrecisionConversionsAreExact) {
  for (std::uint32_t h = 0; h < 65536; ++h) {
    const float got = gguf::fp16_to_f32(static_cast<std::uint16_t>(h));
    const double want = reference_fp16(static_cast<std::uint16_t>(h));
    if (std::isnan(want)) {
      EXPECT_TRUE(std::isnan(got)) << h;
    } else {
      EXPECT_EQ(static_cast<double>(got), want) << h;
      EXPECT_EQ(std::signbit(got), std::signbit(want)) << h;
    }
  }
  EXPECT_EQ(gguf::bf16_to_f32(0x3F80), 1.0f);
  EXPECT_EQ(gguf::bf16_to_f32(0xC000), -2.0f);
  EXPECT_TRUE(std::isinf(gguf::bf16_to_f32(0x7F80)));
}

TEST(Gguf, DequantizeRejectsPartialBlocks) {
  std::vector<std::uint8_t> src(1024, 0);
  float dst[300];
  EXPECT_EQ(gguf::dequantize_row(gguf::TensorType::Q4_0, src.data(), dst, 33), Status::invalid_argument);
  EXPECT_EQ(gguf::dequantize_row(gguf::TensorType::Q6_K, src.data(), dst, 255), Status::invalid_argument);
  EXPECT_EQ(gguf::dequantize_row(gguf::TensorType::Q6_K, src.data(), dst, 256), Status::ok);
}

}  // namespace
}  // namespace llmz
