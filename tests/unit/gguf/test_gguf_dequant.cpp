// Half-precision conversions, the tensor type tables, row sizes and dequantize_row. The blocks
// here are packed by the test from chosen integers and scales following the ggml layouts, so the
// expected values are known independently of the decoder (the bit-for-bit comparison with the
// PyPI gguf package is tests/python/test_gguf_dequant.py).
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

#include "gguf/dequantize.h"
#include "gguf/gguf.h"
#include "gguf/quant_blocks.h"
#include "sample_files.h"

namespace llmz::gguf_test {
namespace {

using gguf::TensorType;

std::uint32_t bits_of(float f) {
  std::uint32_t b = 0;
  std::memcpy(&b, &f, 4);
  return b;
}

// IEEE binary16 by the textbook formula, in double.
double reference_fp16(std::uint16_t h) {
  const int sign = h >> 15, exponent = (h >> 10) & 31, mantissa = h & 1023;
  double v;
  if (exponent == 0) v = std::ldexp(static_cast<double>(mantissa), -24);                 // 2^-14 * m/1024
  else if (exponent == 31) v = mantissa != 0 ? std::nan("") : HUGE_VAL;
  else v = std::ldexp(1.0 + static_cast<double>(mantissa) / 1024.0, exponent - 15);
  return sign ? -v : v;
}

// bfloat16: the top half of a binary32, by the formula.
double reference_bf16(std::uint16_t h) {
  const int sign = h >> 15, exponent = (h >> 7) & 255, mantissa = h & 127;
  double v;
  if (exponent == 0) v = std::ldexp(static_cast<double>(mantissa) / 128.0, -126);
  else if (exponent == 255) v = mantissa != 0 ? std::nan("") : HUGE_VAL;
  else v = std::ldexp(1.0 + static_cast<double>(mantissa) / 128.0, exponent - 127);
  return sign ? -v : v;
}

TEST(HalfPrecision, Fp16ExhaustiveAgainstTheFormula) {
  int nans = 0, subnormals = 0;
  for (std::uint32_t h = 0; h < 65536; ++h) {
    const auto x = static_cast<std::uint16_t>(h);
    const float got = gguf::fp16_to_f32(x);
    const double want = reference_fp16(x);
    if (std::isnan(want)) {
      ++nans;
      ASSERT_TRUE(std::isnan(got)) << std::hex << h;
      ASSERT_EQ(std::signbit(got), (h & 0x8000) != 0) << std::hex << h;
    } else {
      ASSERT_EQ(static_cast<double>(got), want) << std::hex << h;
      ASSERT_EQ(std::signbit(got), std::signbit(want)) << std::hex << h;  // -0 stays -0
      if ((h & 0x7C00) == 0 && (h & 0x3FF) != 0) ++subnormals;
    }
  }
  EXPECT_EQ(nans, 2 * 1023);
  EXPECT_EQ(subnormals, 2 * 1023);
  EXPECT_EQ(gguf::fp16_to_f32(0x3C00), 1.0f);
  EXPECT_EQ(gguf::fp16_to_f32(0x7BFF), 65504.0f);
  EXPECT_EQ(gguf::fp16_to_f32(0x0001), std::ldexp(1.0f, -24));
  EXPECT_EQ(gguf::fp16_to_f32(0xFC00), -std::numeric_limits<float>::infinity());
}

TEST(HalfPrecision, Bf16) {
  EXPECT_EQ(gguf::bf16_to_f32(0x3F80), 1.0f);
  EXPECT_EQ(gguf::bf16_to_f32(0xC000), -2.0f);
  EXPECT_EQ(gguf::bf16_to_f32(0x4049), 3.140625f);
  EXPECT_EQ(gguf::bf16_to_f32(0x7F7F), 3.3895313892515355e38f);  // largest finite
  EXPECT_EQ(gguf::bf16_to_f32(0x0080), std::numeric_limits<float>::min());
  EXPECT_EQ(gguf::bf16_to_f32(0x0001), std::ldexp(1.0f, -133));   // smallest subnormal
  EXPECT_EQ(bits_of(gguf::bf16_to_f32(0x8000)), 0x80000000u);     // -0
  EXPECT_TRUE(std::isinf(gguf::bf16_to_f32(0x7F80)));
  EXPECT_LT(gguf::bf16_to_f32(0xFF80), 0.0f);
  EXPECT_TRUE(std::isnan(gguf::bf16_to_f32(0x7FC0)));
  EXPECT_EQ(bits_of(gguf::bf16_to_f32(0x7F81)), 0x7F810000u);      // signalling NaN kept as is
  for (std::uint32_t h = 0; h < 65536; ++h) {
    const auto x = static_cast<std::uint16_t>(h);
    const float got = gguf::bf16_to_f32(x);
    const double want = reference_bf16(x);
    if (std::isnan(want)) {
      ASSERT_TRUE(std::isnan(got)) << std::hex << h;
    } else {
      ASSERT_EQ(static_cast<double>(got), want) << std::hex << h;
      ASSERT_EQ(std::signbit(got), std::signbit(want)) << std::hex << h;
    }
  }
}

TEST(TensorTypes, TablesMatchGgml) {
  struct Row {
    std::uint32_t id;
    const char* name;
    std::uint64_t elements, bytes;
  };
  const Row rows[] = {{0, "F32", 1, 4},      {1, "F16", 1, 2},      {2, "Q4_0", 32, 18},    {3, "Q4_1", 32, 20},
                      {8, "Q8_0", 32, 34},   {12, "Q4_K", 256, 144}, {14, "Q6_K", 256, 210}, {30, "BF16", 1, 2}};
  int known = 0;
  for (std::uint32_t id = 0; id < 64; ++id) known += gguf::tensor_type_known(id) ? 1 : 0;
  EXPECT_EQ(known, 8);
  EXPECT_FALSE(gguf::tensor_type_known(0xFFFFFFFFu));
  for (const Row& r : rows) {
    const auto t = static_cast<TensorType>(r.id);
    EXPECT_TRUE(gguf::tensor_type_known(r.id)) << r.name;
    EXPECT_STREQ(gguf::tensor_type_name(t), r.name);
    EXPECT_EQ(gguf::block_elements(t), r.elements) << r.name;
    EXPECT_EQ(gguf::block_bytes(t), r.bytes) << r.name;
  }
  // Other ggml types have their ggml names (for error messages) but are not supported.
  EXPECT_STREQ(gguf::tensor_type_name(static_cast<TensorType>(6)), "Q5_0");
  EXPECT_STREQ(gguf::tensor_type_name(static_cast<TensorType>(13)), "Q5_K");
  EXPECT_STREQ(gguf::tensor_type_name(static_cast<TensorType>(16)), "IQ2_XXS");
  EXPECT_STREQ(gguf::tensor_type_name(static_cast<TensorType>(28)), "F64");
  EXPECT_STREQ(gguf::tensor_type_name(static_cast<TensorType>(39)), "MXFP4");
  for (std::uint32_t gap : {4u, 5u, 31u, 32u, 33u, 36u, 37u, 38u, 40u, 99u, 0xFFFFFFFFu})
    EXPECT_STREQ(gguf::tensor_type_name(static_cast<TensorType>(gap)), "unknown") << gap;
  EXPECT_EQ(gguf::block_elements(static_cast<TensorType>(6)), 0u);
  EXPECT_EQ(gguf::block_bytes(static_cast<TensorType>(6)), 0u);

  const char* value_names[] = {"u8", "i8", "u16", "i16", "u32", "i32", "f32", "bool", "string", "array", "u64", "i64", "f64"};
  for (std::uint32_t t = 0; t < 13; ++t) EXPECT_STREQ(gguf::value_type_name(static_cast<gguf::ValueType>(t)), value_names[t]);
  EXPECT_STREQ(gguf::value_type_name(static_cast<gguf::ValueType>(13)), "unknown");
}

TEST(TensorTypes, RowSizes) {
  EXPECT_EQ(gguf::row_size_bytes(TensorType::F32, 7).value(), 28u);
  EXPECT_EQ(gguf::row_size_bytes(TensorType::F16, 3).value(), 6u);
  EXPECT_EQ(gguf::row_size_bytes(TensorType::BF16, 1).value(), 2u);
  EXPECT_EQ(gguf::row_size_bytes(TensorType::Q4_0, 64).value(), 36u);
  EXPECT_EQ(gguf::row_size_bytes(TensorType::Q4_1, 576).value(), 360u);
  EXPECT_EQ(gguf::row_size_bytes(TensorType::Q8_0, 576).value(), 612u);
  EXPECT_EQ(gguf::row_size_bytes(TensorType::Q4_K, 512).value(), 288u);
  EXPECT_EQ(gguf::row_size_bytes(TensorType::Q6_K, 1536).value(), 1260u);
  EXPECT_EQ(gguf::row_size_bytes(TensorType::Q8_0, 0).value(), 0u);
  for (auto [t, n] : {std::pair{TensorType::Q4_0, 33ull}, {TensorType::Q4_1, 16ull}, {TensorType::Q8_0, 1ull},
                      {TensorType::Q4_K, 255ull}, {TensorType::Q6_K, 288ull}})
    EXPECT_EQ(gguf::row_size_bytes(t, n).status(), Status::corrupt_data) << gguf::tensor_type_name(t) << " " << n;
  EXPECT_EQ(gguf::row_size_bytes(TensorType::F32, 1ull << 61).value(), 1ull << 63);
  EXPECT_EQ(gguf::row_size_bytes(TensorType::F32, 1ull << 62).status(), Status::overflow);
  EXPECT_EQ(gguf::row_size_bytes(TensorType::F16, 1ull << 63).status(), Status::overflow);
  // Block types take fewer bytes than elements: even the largest row length has a size.
  EXPECT_EQ(gguf::row_size_bytes(TensorType::Q4_0, 1ull << 63).value(), (1ull << 58) * 18);
  EXPECT_EQ(gguf::row_size_bytes(TensorType::Q6_K, std::numeric_limits<std::uint64_t>::max() / 256 * 256).value(),
            (std::numeric_limits<std::uint64_t>::max() / 256) * 210);
  EXPECT_EQ(gguf::row_size_bytes(static_cast<TensorType>(6), 32).status(), Status::unknown_type);
}

TEST(Dequantize, InvalidLengths) {
  std::vector<std::uint8_t> src(4096, 0);
  std::vector<float> dst(1024, 7.0f);
  for (auto t : {TensorType::Q4_0, TensorType::Q4_1, TensorType::Q8_0})
    for (std::uint64_t n : {1ull, 16ull, 31ull, 33ull, 63ull})
      EXPECT_EQ(gguf::dequantize_row(t, src.data(), dst.data(), n), Status::invalid_argument) << gguf::tensor_type_name(t) << n;
  for (auto t : {TensorType::Q4_K, TensorType::Q6_K})
    for (std::uint64_t n : {1ull, 32ull, 255ull, 257ull, 511ull})
      EXPECT_EQ(gguf::dequantize_row(t, src.data(), dst.data(), n), Status::invalid_argument) << gguf::tensor_type_name(t) << n;
  EXPECT_EQ(gguf::dequantize_row(static_cast<TensorType>(6), src.data(), dst.data(), 32), Status::invalid_argument);
  EXPECT_EQ(gguf::dequantize_row(static_cast<TensorType>(99), src.data(), dst.data(), 256), Status::invalid_argument);
  for (float x : dst) ASSERT_EQ(x, 7.0f);  // nothing written on failure
  // Zero elements: nothing to do, nothing written.
  for (auto t : {TensorType::F32, TensorType::F16, TensorType::BF16, TensorType::Q4_0, TensorType::Q4_1, TensorType::Q8_0,
                 TensorType::Q4_K, TensorType::Q6_K})
    EXPECT_EQ(gguf::dequantize_row(t, src.data(), dst.data(), 0), Status::ok);
  for (float x : dst) ASSERT_EQ(x, 7.0f);
  // Unblocked types take any length.
  EXPECT_EQ(gguf::dequantize_row(TensorType::F16, src.data(), dst.data(), 3), Status::ok);
  EXPECT_EQ(dst[2], 0.0f);
  EXPECT_EQ(dst[3], 7.0f);
}

std::uint16_t half(float f) {
  // Exact conversion of values that are representable in binary16 (the test only uses those).
  for (std::uint32_t h = 0; h < 65536; ++h)
    if (gguf::fp16_to_f32(static_cast<std::uint16_t>(h)) == f && std::signbit(f) == ((h & 0x8000) != 0))
      return static_cast<std::uint16_t>(h);
  ADD_FAILURE() << f << " is not a binary16 value";
  return 0;
}

void put16(std::uint8_t* p, std::uint16_t v) {
  p[0] = static_cast<std::uint8_t>(v);
  p[1] = static_cast<std::uint8_t>(v >> 8);
}

std::vector<float> dequant(TensorType t, const Bytes& src, std::size_t n) {
  std::vector<float> out(n + 1, -1234.5f);
  EXPECT_EQ(gguf::dequantize_row(t, src.data(), out.data(), n), Status::ok);
  EXPECT_EQ(out[n], -1234.5f) << "wrote past n";
  out.resize(n);
  return out;
}

void expect_bits_equal(const std::vector<float>& got, const std::vector<float>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t i = 0; i < got.size(); ++i) ASSERT_EQ(bits_of(got[i]), bits_of(want[i])) << "element " << i;
}

// Deterministic small integers for the packed blocks.
struct Ints {
  explicit Ints(std::uint64_t seed) : bytes(random_bytes(1 << 16, seed)) {}
  int next(int lo, int hi) { return lo + static_cast<int>(bytes[pos++ % bytes.size()]) % (hi - lo + 1); }
  Bytes bytes;
  std::size_t pos = 0;
};

// Scales used by the packed blocks: zero, negative, subnormal, tiny, huge, ordinary.
const float kScales[] = {0.0f, 1.0f, -0.5f, 0.0078125f, std::ldexp(1.0f, -24), std::ldexp(3.0f, -20), 65504.0f, -1024.0f, 0.333251953125f};

TEST(Dequantize, F32F16Bf16) {
  const std::vector<float> values = {0.0f, -0.0f, 1.0f, -2.5f, 1e-40f, 3e38f, std::numeric_limits<float>::infinity(), 65504.0f};
  expect_bits_equal(dequant(TensorType::F32, f32_bytes(values), values.size()), values);
  Bytes h(2 * values.size()), b(2 * values.size());
  for (std::size_t i = 0; i < values.size(); ++i) {
    put16(h.data() + 2 * i, i == 4 ? 0x0001 : half(values[i] == 3e38f ? 65504.0f : values[i]));
    put16(b.data() + 2 * i, static_cast<std::uint16_t>(bits_of(values[i]) >> 16));  // values whose low half is not 0 are truncated
  }
  const auto hf = dequant(TensorType::F16, h, values.size());
  EXPECT_EQ(hf[3], -2.5f);
  EXPECT_EQ(hf[4], std::ldexp(1.0f, -24));
  EXPECT_EQ(hf[5], 65504.0f);
  EXPECT_TRUE(std::isinf(hf[6]));
  EXPECT_EQ(bits_of(hf[1]), 0x80000000u);
  const auto bf = dequant(TensorType::BF16, b, values.size());
  for (std::size_t i = 0; i < values.size(); ++i) EXPECT_EQ(bits_of(bf[i]), bits_of(values[i]) & 0xFFFF0000u) << i;
}

TEST(Dequantize, Q4_0AndQ8_0AndQ4_1) {
  Ints ints(11);
  for (float d : kScales) {
    for (float m : {0.0f, -1.0f, 0.125f, 3000.0f}) {
      const int blocks = 3;
      std::vector<int> q(32 * blocks);
      for (int& x : q) x = ints.next(0, 15);
      q[0] = 0;
      q[1] = 15;
      // Q4_0 and Q4_1: element i < 16 in the low nibble of byte i, element i + 16 in its high nibble.
      Bytes q40(18 * blocks), q41(20 * blocks), q80(34 * blocks);
      std::vector<float> w40, w41, w80;
      for (int b = 0; b < blocks; ++b) {
        put16(&q40[18 * b], half(d));
        put16(&q41[20 * b], half(d));
        put16(&q41[20 * b + 2], half(m));
        put16(&q80[34 * b], half(d));
        for (int i = 0; i < 16; ++i) {
          q40[18 * b + 2 + i] = static_cast<std::uint8_t>(q[32 * b + i] | (q[32 * b + i + 16] << 4));
          q41[20 * b + 4 + i] = q40[18 * b + 2 + i];
        }
        for (int i = 0; i < 32; ++i) {
          const int v = q[32 * b + i];
          const int s8 = i == 0 ? -128 : i == 1 ? 127 : ints.next(-128, 127);
          q80[34 * b + 2 + i] = static_cast<std::uint8_t>(static_cast<std::int8_t>(s8));
          w40.push_back(d * static_cast<float>(v - 8));
          w41.push_back(d * static_cast<float>(v) + m);
          w80.push_back(static_cast<float>(s8) * d);
        }
      }
      SCOPED_TRACE(::testing::Message() << "d " << d << " m " << m);
      expect_bits_equal(dequant(TensorType::Q4_0, q40, w40.size()), w40);
      expect_bits_equal(dequant(TensorType::Q4_1, q41, w41.size()), w41);
      expect_bits_equal(dequant(TensorType::Q8_0, q80, w80.size()), w80);
    }
  }
}

// Q4_K scales: the 6-bit scale and min of sub-blocks 0..3 in the low bits of bytes 0..3 and 4..7;
// sub-blocks 4..7 keep their low 4 bits in the nibbles of bytes 8..11 (scale low, min high) and
// their top 2 bits in the top bits of bytes 0..3 (scale) and 4..7 (min).
std::array<std::uint8_t, 12> pack_q4_k_scales(const int sc[8], const int mn[8]) {
  std::array<std::uint8_t, 12> s{};
  for (int j = 0; j < 4; ++j) {
    s[j] = static_cast<std::uint8_t>(sc[j] | ((sc[j + 4] >> 4) << 6));
    s[j + 4] = static_cast<std::uint8_t>(mn[j] | ((mn[j + 4] >> 4) << 6));
    s[j + 8] = static_cast<std::uint8_t>((sc[j + 4] & 15) | ((mn[j + 4] & 15) << 4));
  }
  return s;
}

TEST(Dequantize, Q4_K) {
  Ints ints(12);
  for (float d : kScales) {
    for (float dmin : {0.0f, 0.5f, -2.0f, 0.0001220703125f}) {
      const int blocks = 2;
      Bytes src(144 * blocks);
      std::vector<float> want;
      for (int b = 0; b < blocks; ++b) {
        std::uint8_t* blk = &src[144 * b];
        int sc[8], mn[8];
        for (int j = 0; j < 8; ++j) {
          sc[j] = ints.next(0, 63);
          mn[j] = ints.next(0, 63);
        }
        sc[7] = 63;  // every bit of the packing used
        mn[6] = 63;
        put16(blk, half(d));
        put16(blk + 2, half(dmin));
        const auto packed = pack_q4_k_scales(sc, mn);
        std::memcpy(blk + 4, packed.data(), 12);
        // 4 groups of 64 elements: the first 32 in the low nibbles of 32 bytes, the next 32 in their high nibbles.
        std::vector<int> q(256);
        for (int& x : q) x = ints.next(0, 15);
        for (int g = 0; g < 4; ++g)
          for (int i = 0; i < 32; ++i)
            blk[16 + 32 * g + i] = static_cast<std::uint8_t>(q[64 * g + i] | (q[64 * g + 32 + i] << 4));
        for (int e = 0; e < 256; ++e) {
          const int j = e / 32;
          const float scale = d * static_cast<float>(sc[j]);
          const float offset = dmin * static_cast<float>(mn[j]);
          want.push_back(scale * static_cast<float>(q[e]) - offset);
        }
      }
      SCOPED_TRACE(::testing::Message() << "d " << d << " dmin " << dmin);
      expect_bits_equal(dequant(TensorType::Q4_K, src, want.size()), want);
    }
  }
}

TEST(Dequantize, Q6_K) {
  Ints ints(13);
  for (float d : kScales) {
    const int blocks = 2;
    Bytes src(210 * blocks);
    std::vector<float> want;
    for (int b = 0; b < blocks; ++b) {
      std::uint8_t* blk = &src[210 * b];
      std::vector<int> q(256);
      for (int& x : q) x = ints.next(0, 63);
      q[0] = 0;
      q[255] = 63;
      std::int8_t sc[16];
      for (auto& s : sc) s = static_cast<std::int8_t>(ints.next(-128, 127));
      sc[0] = -128;
      sc[15] = 127;
      // ggml's layout, per 128-element half h: for l < 32, elements l, l+32, l+64, l+96 have their
      // low 4 bits in ql[64h+l] (low nibble), ql[64h+l+32] (low), ql[64h+l] (high), ql[64h+l+32]
      // (high), and their high 2 bits in bits 0-1, 2-3, 4-5, 6-7 of qh[32h+l].
      for (int h = 0; h < 2; ++h) {
        for (int l = 0; l < 32; ++l) {
          const int* e = &q[128 * h + l];
          blk[64 * h + l] = static_cast<std::uint8_t>((e[0] & 15) | ((e[64] & 15) << 4));
          blk[64 * h + l + 32] = static_cast<std::uint8_t>((e[32] & 15) | ((e[96] & 15) << 4));
          blk[128 + 32 * h + l] = static_cast<std::uint8_t>((e[0] >> 4) | ((e[32] >> 4) << 2) | ((e[64] >> 4) << 4) | ((e[96] >> 4) << 6));
        }
      }
      std::memcpy(blk + 192, sc, 16);
      put16(blk + 208, half(d));
      for (int e = 0; e < 256; ++e) want.push_back((d * static_cast<float>(sc[e / 16])) * static_cast<float>(q[e] - 32));
    }
    SCOPED_TRACE(::testing::Message() << "d " << d);
    expect_bits_equal(dequant(TensorType::Q6_K, src, want.size()), want);
  }
}

// Tensor data need not be aligned in memory (the reader only promises alignment within the file).
TEST(Dequantize, UnalignedSource) {
  for (auto [t, n] : {std::pair{TensorType::F32, 8}, {TensorType::F16, 8}, {TensorType::BF16, 8}, {TensorType::Q4_0, 64},
                      {TensorType::Q4_1, 64}, {TensorType::Q8_0, 64}, {TensorType::Q4_K, 256}, {TensorType::Q6_K, 512}}) {
    const std::uint64_t bytes = gguf::row_size_bytes(t, static_cast<std::uint64_t>(n)).value();
    Bytes aligned = random_bytes(bytes, static_cast<std::uint64_t>(n) + static_cast<std::uint64_t>(t));
    for (std::uint64_t b = 0; b < bytes; b += gguf::block_bytes(t)) {  // keep the fp16 scales finite
      if (t == TensorType::Q6_K) aligned[b + 209] &= 0x3F;
      else if (t != TensorType::F32 && t != TensorType::F16 && t != TensorType::BF16) {
        aligned[b + 1] &= 0x3F;
        if (t == TensorType::Q4_1 || t == TensorType::Q4_K) aligned[b + 3] &= 0x3F;
      }
    }
    Bytes shifted(bytes + 1);
    std::memcpy(shifted.data() + 1, aligned.data(), bytes);
    std::vector<float> a(static_cast<std::size_t>(n)), s(static_cast<std::size_t>(n));
    ASSERT_EQ(gguf::dequantize_row(t, aligned.data(), a.data(), static_cast<std::uint64_t>(n)), Status::ok);
    ASSERT_EQ(gguf::dequantize_row(t, shifted.data() + 1, s.data(), static_cast<std::uint64_t>(n)), Status::ok);
    SCOPED_TRACE(gguf::tensor_type_name(t));
    expect_bits_equal(s, a);
  }
}

}  // namespace
}  // namespace llmz::gguf_test
