// The GGUF reader on hostile files: every truncation, every single-byte corruption, absurd counts
// and lengths, bad dimensions, offsets, alignments, types, duplicates, magic and versions. Each
// gives its documented Status, never a crash (run under -DLLMZ_SANITIZE=ON to check the "never").
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <set>
#include <string>
#include <vector>

#include "gguf/gguf.h"
#include "sample_files.h"

namespace llmz::gguf_test {
namespace {

using gguf::GgufFile;

constexpr unsigned long long kMax64 = ~0ull;  // (unsigned long long: brace lists below mix it with 1ull << n)

// Parses a copy of the bytes in a buffer of exactly their size (so a sanitizer sees over-reads).
Result<GgufFile> parse_exact(const std::uint8_t* data, std::size_t n, Bytes& holder) {
  holder.assign(data, data + n);
  holder.shrink_to_fit();
  return GgufFile::parse(std::span<const std::uint8_t>(holder.data(), n));
}

Status parse_status(const Bytes& b) {
  Bytes holder;
  auto f = parse_exact(b.data(), b.size(), holder);
  if (f.ok()) return Status::ok;
  EXPECT_FALSE(f.error().detail.empty()) << status_name(f.status());  // every error says what is wrong
  return f.status();
}

Bytes patched(const GgufWriter& w, std::size_t at, std::uint64_t value, int n) {
  Bytes b = w.build();
  patch(b, at, value, n);
  return b;
}

TEST(GgufHostile, EveryTruncationFailsCleanly) {
  const Bytes bytes = sample_writer().build();
  ASSERT_TRUE(GgufFile::parse(bytes).ok());
  Bytes holder;
  std::set<Status> seen;
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    auto f = parse_exact(bytes.data(), n, holder);
    ASSERT_FALSE(f.ok()) << "a prefix of " << n << " of " << bytes.size() << " bytes parsed";
    EXPECT_TRUE(f.status() == Status::truncated || f.status() == Status::out_of_bounds)
        << "prefix " << n << ": " << f.error().message();
    seen.insert(f.status());
  }
  EXPECT_EQ(seen, (std::set<Status>{Status::truncated, Status::out_of_bounds}));
}

// Every byte of the valid file flipped in turn (and set to 0xFF): an error with a known status,
// or a file whose every key and tensor reads back consistently.
TEST(GgufHostile, EverySingleByteCorruptionIsHandled) {
  const Bytes good = sample_writer().build();
  const std::set<Status> allowed = {Status::truncated,     Status::bad_magic,     Status::unsupported_version,
                                    Status::out_of_bounds, Status::overflow,      Status::bad_alignment,
                                    Status::unknown_type,  Status::duplicate_key, Status::type_mismatch,
                                    Status::corrupt_data};
  Bytes holder;
  std::size_t parsed = 0, failed = 0;
  for (std::size_t i = 0; i < good.size(); ++i) {
    for (std::uint8_t mask : {std::uint8_t{0xFF}, std::uint8_t{0x80}, std::uint8_t{0x01}}) {
      Bytes b = good;
      b[i] ^= mask;
      auto f = parse_exact(b.data(), b.size(), holder);
      if (f.ok()) {
        ++parsed;
        std::string why;
        ASSERT_TRUE(read_everything(f.value(), &why)) << "byte " << i << ": " << why;
      } else {
        ++failed;
        ASSERT_TRUE(allowed.count(f.status()) == 1) << "byte " << i << ": " << f.error().message();
      }
    }
  }
  EXPECT_GT(parsed, 0u);  // flips inside tensor data are harmless
  EXPECT_GT(failed, 0u);
}

TEST(GgufHostile, BadMagic) {
  for (const char* magic : {"GGUG", "FUGG", "ggml", "GGML", "\0\0\0\0"}) {
    GgufWriter w;
    std::memcpy(w.magic, magic, 4);
    EXPECT_EQ(parse_status(w.build()), Status::bad_magic) << magic;
  }
  EXPECT_EQ(parse_status(Bytes{'G', 'G', 'U'}), Status::truncated);
  EXPECT_EQ(parse_status(Bytes{}), Status::truncated);
  EXPECT_EQ(parse_status(Bytes{'P', 'K', 3, 4, 0, 0, 0, 0, 0, 0, 0, 0}), Status::bad_magic);
}

TEST(GgufHostile, UnsupportedVersions) {
  for (std::uint32_t v : {0u, 1u, 4u, 99u, 0x03000000u, 0xFFFFFFFFu}) {
    GgufWriter w;
    w.version = v;
    w.kv("x", u32(1));
    EXPECT_EQ(parse_status(w.build()), Status::unsupported_version) << v;
  }
  // A byte-swapped version 3 is probably a big-endian GGUF file: the message says so.
  GgufWriter be;
  be.version = 0x03000000u;
  auto f = GgufFile::parse(be.build());
  ASSERT_EQ(f.status(), Status::unsupported_version);
  EXPECT_NE(f.error().detail.find("big-endian"), std::string::npos) << f.error().detail;
}

TEST(GgufHostile, AbsurdCounts) {
  const GgufWriter w = sample_writer();
  for (std::uint64_t n : {1ull << 63, 1ull << 40, kMax64, 1000ull}) {
    EXPECT_EQ(parse_status(patched(w, GgufWriter::kTensorCountAt, n, 8)), Status::truncated) << "tensor count " << n;
    EXPECT_EQ(parse_status(patched(w, GgufWriter::kKvCountAt, n, 8)), Status::truncated) << "kv count " << n;
  }
  EXPECT_EQ(parse_status(patched(w, GgufWriter::kKvCountAt, 1ull << 62, 8)), Status::truncated);
  // One key fewer than there are: the last key is read as a tensor entry whose n_dims is its
  // value type tag (9, an array).
  EXPECT_EQ(parse_status(patched(w, GgufWriter::kKvCountAt, kSampleKeys - 1, 8)), Status::overflow);
  // One tensor more than there are: the ninth entry is read from padding and data, and fails.
  EXPECT_NE(parse_status(patched(w, GgufWriter::kTensorCountAt, kSampleTensors + 1, 8)), Status::ok);
}

TEST(GgufHostile, AbsurdStringLengths) {
  const GgufWriter w = sample_writer();
  // Key length (kv 0), string value length (kv 0 is general.architecture), tensor name length.
  for (std::uint64_t len : {1ull << 60, kMax64, 1ull << 33}) {
    EXPECT_EQ(parse_status(patched(w, w.kv_key_at(0), len, 8)), Status::overflow) << len;
    EXPECT_EQ(parse_status(patched(w, w.kv_value_at(0), len, 8)), Status::overflow) << len;
    EXPECT_EQ(parse_status(patched(w, w.tensor_name_at(0), len, 8)), Status::overflow) << len;
  }
  // Lengths within the limits but past the end of the file.
  EXPECT_EQ(parse_status(patched(w, w.kv_key_at(0), 60000, 8)), Status::truncated);
  EXPECT_EQ(parse_status(patched(w, w.kv_value_at(0), 1u << 20, 8)), Status::truncated);
  EXPECT_EQ(parse_status(patched(w, w.tensor_name_at(0), 60000, 8)), Status::truncated);
  // Names longer than 64 KiB are refused even when the bytes are there.
  GgufWriter long_key;
  long_key.kv(std::string(65537, 'k'), u8(1));
  EXPECT_EQ(parse_status(long_key.build()), Status::overflow);
  GgufWriter max_key;
  max_key.kv(std::string(65536, 'k'), u8(1));
  EXPECT_EQ(parse_status(max_key.build()), Status::ok);
  // A string inside a string array with an absurd length.
  GgufWriter in_array;
  Bytes body;
  put_string(body, "ok");
  put_le(body, 1ull << 60, 8);
  in_array.kv("a", array_raw(kString, 2, body));
  EXPECT_EQ(parse_status(in_array.build()), Status::overflow);
}

TEST(GgufHostile, AbsurdArrayLengths) {
  for (std::uint32_t elem : {kU8, kU16, kU32, kU64, kF64, kBool, kString, kArray}) {
    for (std::uint64_t count : {1ull << 62, 1ull << 61, kMax64, 1000ull}) {
      GgufWriter w;
      w.kv("a", array_raw(elem, count, Bytes(64, 0)));
      EXPECT_EQ(parse_status(w.build()), Status::truncated) << "element type " << elem << " count " << count;
    }
  }
  // Nested arrays: an inner array announcing too much.
  GgufWriter w;
  w.kv("a", array(kArray, {array_raw(kI32, 1ull << 62)}));
  EXPECT_EQ(parse_status(w.build()), Status::truncated);
}

TEST(GgufHostile, UnknownValueTypes) {
  for (std::uint32_t tag : {13u, 14u, 255u, 0x80000000u, 0xFFFFFFFFu}) {
    GgufWriter w;
    w.kv("ok", u8(1)).kv_raw("bad", tag, Bytes(16, 0));
    EXPECT_EQ(parse_status(w.build()), Status::unknown_type) << tag;
    GgufWriter a;
    a.kv("bad", array_raw(tag, 1, Bytes(16, 0)));
    EXPECT_EQ(parse_status(a.build()), Status::unknown_type) << "array of " << tag;
    GgufWriter n;
    n.kv("bad", array(kArray, {array_raw(tag, 1, Bytes(16, 0))}));
    EXPECT_EQ(parse_status(n.build()), Status::unknown_type) << "nested array of " << tag;
  }
}

TEST(GgufHostile, ArraysNestedTooDeep) {
  // Arrays of arrays are read; one level deeper is refused.
  GgufWriter two;
  two.kv("a", array(kArray, {array(kU8, {u8(1)})}));
  EXPECT_EQ(parse_status(two.build()), Status::ok);
  GgufWriter three;
  three.kv("a", array(kArray, {array(kArray, {array(kU8, {u8(1)})})}));
  EXPECT_EQ(parse_status(three.build()), Status::unsupported_version);
  // 10^5 levels deep announced: refused at the third level, no deep recursion.
  GgufWriter deep;
  Bytes body;
  for (int i = 0; i < 100000; ++i) {
    put_le(body, kArray, 4);
    put_le(body, 1, 8);
  }
  deep.kv("a", array_raw(kArray, 1, body));
  EXPECT_EQ(parse_status(deep.build()), Status::unsupported_version);
}

TEST(GgufHostile, BadBooleans) {
  GgufWriter w;
  w.kv("flag", boolean(true));
  EXPECT_EQ(parse_status(patched(w, w.kv_value_at(0), 2, 1)), Status::corrupt_data);
  EXPECT_EQ(parse_status(patched(w, w.kv_value_at(0), 0xFF, 1)), Status::corrupt_data);
}

TEST(GgufHostile, DuplicateKeysAndTensorNames) {
  GgufWriter keys;
  keys.kv("k", u32(1)).kv("other", u8(0)).kv("k", str("again"));
  EXPECT_EQ(parse_status(keys.build()), Status::duplicate_key);
  GgufWriter names;
  names.tensor("t", tF32, {8}, Bytes(32, 0)).tensor("u", tF32, {8}, Bytes(32, 0)).tensor("t", tF16, {16}, Bytes(32, 0));
  EXPECT_EQ(parse_status(names.build()), Status::duplicate_key);
  // A key and a tensor may share a name.
  GgufWriter shared;
  shared.kv("t", u8(1)).tensor("t", tF32, {8}, Bytes(32, 0));
  EXPECT_EQ(parse_status(shared.build()), Status::ok);
}

GgufWriter one_tensor(std::uint32_t type, const std::vector<std::uint64_t>& ne, std::size_t data_bytes) {
  GgufWriter w;
  w.kv("general.architecture", str("llama")).tensor("t", type, ne, Bytes(data_bytes, 0));
  return w;
}

TEST(GgufHostile, Dimensions) {
  EXPECT_EQ(parse_status(one_tensor(tF32, {8}, 32).build()), Status::ok);
  EXPECT_EQ(parse_status(one_tensor(tF32, {}, 32).build()), Status::overflow);                 // n_dims 0
  EXPECT_EQ(parse_status(one_tensor(tF32, {1, 1, 1, 1, 8}, 32).build()), Status::overflow);    // n_dims 5
  const GgufWriter w = one_tensor(tF32, {8}, 32);
  EXPECT_EQ(parse_status(patched(w, w.tensor_n_dims_at(0), 0xFFFFFFFFu, 4)), Status::overflow);
  EXPECT_EQ(parse_status(one_tensor(tF32, {0}, 32).build()), Status::corrupt_data);            // a zero dimension
  EXPECT_EQ(parse_status(one_tensor(tF32, {8, 0}, 32).build()), Status::corrupt_data);
  // Products that overflow 64 bits, or exceed the 2^48-element limit.
  EXPECT_EQ(parse_status(one_tensor(tF32, {1ull << 32, 1ull << 32}, 32).build()), Status::overflow);
  EXPECT_EQ(parse_status(one_tensor(tF32, {1ull << 40, 1ull << 40}, 32).build()), Status::overflow);
  EXPECT_EQ(parse_status(one_tensor(tF32, {kMax64}, 32).build()), Status::overflow);
  EXPECT_EQ(parse_status(one_tensor(tF32, {3, 5, kMax64 / 15 + 1}, 32).build()), Status::overflow);
  EXPECT_EQ(parse_status(one_tensor(tF32, {1ull << 24, 1ull << 24, 2}, 32).build()), Status::overflow);
  EXPECT_EQ(parse_status(one_tensor(tF32, {2, 2, 2, 1ull << 62}, 32).build()), Status::overflow);
  // Within the element limit but far larger than the file.
  EXPECT_EQ(parse_status(one_tensor(tF32, {1ull << 24, 1ull << 24}, 32).build()), Status::out_of_bounds);
  EXPECT_EQ(parse_status(one_tensor(tQ6_K, {1ull << 40, 256}, 32).build()), Status::out_of_bounds);
}

TEST(GgufHostile, RowsNotAWholeNumberOfBlocks) {
  EXPECT_EQ(parse_status(one_tensor(tQ8_0, {33}, 64).build()), Status::corrupt_data);
  EXPECT_EQ(parse_status(one_tensor(tQ4_0, {16, 2}, 64).build()), Status::corrupt_data);
  EXPECT_EQ(parse_status(one_tensor(tQ4_1, {31}, 64).build()), Status::corrupt_data);
  EXPECT_EQ(parse_status(one_tensor(tQ4_K, {255}, 256).build()), Status::corrupt_data);
  EXPECT_EQ(parse_status(one_tensor(tQ6_K, {256 + 32}, 512).build()), Status::corrupt_data);
  // The row length is ne[0]: other dimensions need not be multiples of the block size.
  EXPECT_EQ(parse_status(one_tensor(tQ8_0, {32, 3}, 3 * 34).build()), Status::ok);
}

TEST(GgufHostile, UnknownTensorTypes) {
  // 4, 5 (removed Q4_2/Q4_3), 6, 7, 9 (Q5_0, Q5_1, Q8_1) and the K-quants other than Q4_K/Q6_K.
  for (std::uint32_t type : {4u, 5u, 6u, 7u, 9u, 10u, 11u, 13u, 15u, 16u, 29u, 31u, 39u, 99u, 0xFFFFFFFFu}) {
    EXPECT_EQ(parse_status(one_tensor(type, {256}, 1024).build()), Status::unknown_type) << type;
  }
  // The error names the tensor and the type, by its ggml name when it has one.
  auto q5k = GgufFile::parse(one_tensor(13, {256}, 1024).build());
  ASSERT_EQ(q5k.status(), Status::unknown_type);
  EXPECT_NE(q5k.error().detail.find("tensor t has type Q5_K (13)"), std::string::npos) << q5k.error().detail;
  auto odd = GgufFile::parse(one_tensor(99, {256}, 1024).build());
  EXPECT_NE(odd.error().detail.find("unknown (99)"), std::string::npos) << odd.error().detail;
}

TEST(GgufHostile, TensorOffsets) {
  GgufWriter w = one_tensor(tF32, {8}, 32);
  w.tensor("u", tF32, {8}, Bytes(32, 0));
  const std::size_t at = w.tensor_offset_at(1);
  ASSERT_EQ(w.tensor_relative_data(1), 32u);
  EXPECT_EQ(parse_status(patched(w, at, 0, 8)), Status::ok);   // aliasing is allowed
  EXPECT_EQ(parse_status(patched(w, at, 4, 8)), Status::bad_alignment);
  EXPECT_EQ(parse_status(patched(w, at, 16, 8)), Status::bad_alignment);
  EXPECT_EQ(parse_status(patched(w, at, 33, 8)), Status::bad_alignment);
  EXPECT_EQ(parse_status(patched(w, at, 64, 8)), Status::out_of_bounds);         // starts at the end of the file
  EXPECT_EQ(parse_status(patched(w, at, 96, 8)), Status::out_of_bounds);         // starts past the end
  EXPECT_EQ(parse_status(patched(w, at, 1ull << 62, 8)), Status::out_of_bounds);
  EXPECT_EQ(parse_status(patched(w, at, kMax64 - 31, 8)), Status::out_of_bounds);  // aligned; start wraps around
  EXPECT_EQ(parse_status(patched(w, at, kMax64 & ~std::uint64_t{4095}, 8)), Status::out_of_bounds);
  // Data running past the end by one byte.
  EXPECT_EQ(parse_status(one_tensor(tF32, {8}, 31).build()), Status::out_of_bounds);
  EXPECT_EQ(parse_status(one_tensor(tQ6_K, {256, 2}, 419).build()), Status::out_of_bounds);
  // A file that ends right after the tensor table, before the padding.
  GgufWriter table_only = one_tensor(tF32, {8}, 32);
  Bytes b = table_only.build();
  b.resize(table_only.table_end());
  EXPECT_EQ(parse_status(b), (table_only.table_end() % 32 == 0) ? Status::out_of_bounds : Status::truncated);

  // With general.alignment 64, a 32-aligned offset is misaligned.
  GgufWriter a64;
  a64.alignment = 64;
  a64.kv("general.alignment", u32(64)).tensor("t", tF32, {8}, Bytes(32, 0)).tensor("u", tF32, {8}, Bytes(32, 0));
  ASSERT_EQ(parse_status(a64.build()), Status::ok);
  EXPECT_EQ(parse_status(patched(a64, a64.tensor_offset_at(1), 32, 8)), Status::bad_alignment);
}

TEST(GgufHostile, BadAlignmentValues) {
  for (std::uint64_t a : {0ull, 3ull, 48ull, 100ull, (1ull << 20) + 1, 1ull << 21, 1ull << 31}) {
    GgufWriter w;
    w.kv("general.alignment", u32(static_cast<std::uint32_t>(a)));
    EXPECT_EQ(parse_status(w.build()), Status::bad_alignment) << a;
  }
  for (std::uint64_t a : {0ull, 1ull << 32, 1ull << 63}) {
    GgufWriter w;
    w.kv("general.alignment", u64(a));
    EXPECT_EQ(parse_status(w.build()), Status::bad_alignment) << "u64 " << a;
  }
  for (std::int32_t a : {-32, -1, 0}) {
    GgufWriter w;
    w.kv("general.alignment", i32(a));
    EXPECT_EQ(parse_status(w.build()), Status::bad_alignment) << "i32 " << a;
  }
  for (const Encoded& v : {str("32"), f32(32.0f), f64(32.0), boolean(true), u8(32), u16(32),
                           array(kU32, {u32(32)})}) {
    GgufWriter w;
    w.kv("general.alignment", v);
    EXPECT_EQ(parse_status(w.build()), Status::type_mismatch) << "value type " << v.tag;
  }
}

// Status names as the command-line tools print them.
TEST(GgufHostile, StatusNames) {
  EXPECT_STREQ(status_name(Status::truncated), "truncated");
  EXPECT_STREQ(status_name(Status::bad_magic), "bad_magic");
  EXPECT_STREQ(status_name(Status::unsupported_version), "unsupported_version");
  EXPECT_STREQ(status_name(Status::out_of_bounds), "out_of_bounds");
  EXPECT_STREQ(status_name(Status::overflow), "overflow");
  EXPECT_STREQ(status_name(Status::bad_alignment), "bad_alignment");
  EXPECT_STREQ(status_name(Status::unknown_type), "unknown_type");
  EXPECT_STREQ(status_name(Status::duplicate_key), "duplicate_key");
  EXPECT_STREQ(status_name(Status::missing_key), "missing_key");
  EXPECT_STREQ(status_name(Status::type_mismatch), "type_mismatch");
  EXPECT_STREQ(status_name(Status::invalid_argument), "invalid_argument");
  EXPECT_STREQ(status_name(Status::corrupt_data), "corrupt_data");
}

}  // namespace
}  // namespace llmz::gguf_test
