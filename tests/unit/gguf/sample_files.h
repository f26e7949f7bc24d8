// Sample GGUF files shared by the reader's tests: one valid file holding a key of every value
// type (arrays of every element type, string arrays, nested and empty arrays) and a tensor of
// every supported type, plus helpers that read a parsed file completely.
#pragma once

#include <cstdint>
#include <cstring>
#include <limits>
#include <ostream>
#include <string>
#include <vector>

#include "gguf/dequantize.h"
#include "gguf/gguf.h"
#include "../../support/gguf_writer.h"

namespace llmz {
// Statuses print by name in test failures.
inline void PrintTo(Status s, std::ostream* os) { *os << status_name(s); }
}  // namespace llmz

namespace llmz::gguf_test {

// Deterministic pseudo-random bytes (xorshift64*), the same on every platform.
inline Bytes random_bytes(std::size_t n, std::uint64_t seed) {
  std::uint64_t s = seed * 0x9E3779B97F4A7C15ull + 1;
  Bytes out(n);
  for (auto& b : out) {
    s ^= s >> 12;
    s ^= s << 25;
    s ^= s >> 27;
    b = static_cast<std::uint8_t>((s * 0x2545F4914F6CDD1Dull) >> 56);
  }
  return out;
}

inline Bytes f32_bytes(const std::vector<float>& v) {
  Bytes out(v.size() * 4);
  std::memcpy(out.data(), v.data(), out.size());
  return out;
}

inline const std::string kLongString(300, 'x');

// Keys of the sample file, in file order.
inline GgufWriter sample_writer() {
  GgufWriter w;
  w.kv("general.architecture", str("llama"))
      .kv("llama.block_count", u32(30))
      .kv("v.u8", u8(200))
      .kv("v.i8", i8(-100))
      .kv("v.u16", u16(60000))
      .kv("v.i16", i16(-30000))
      .kv("v.u32", u32(4000000000u))
      .kv("v.i32", i32(-2000000000))
      .kv("v.i32.pos", i32(7))
      .kv("v.f32", f32(0.1f))
      .kv("v.true", boolean(true))
      .kv("v.false", boolean(false))
      .kv("v.string", str("h\xC3\xA9llo\nworld"))
      .kv("v.empty_string", str(""))
      .kv("v.nul_string", str(std::string("a\0b", 3)))
      .kv("v.long_string", str(kLongString))
      .kv("v.u64", u64((1ull << 63) + 5))
      .kv("v.u64.small", u64(1ull << 40))
      .kv("v.i64", i64(std::numeric_limits<std::int64_t>::min()))
      .kv("v.f64", f64(-2.5e300))
      .kv("a.u8", array_of(kU8, std::vector<int>{1, 2, 255}, [](int x) { return u8(static_cast<std::uint8_t>(x)); }))
      .kv("a.i8", array_of(kI8, std::vector<int>{-1, 2, -128}, [](int x) { return i8(static_cast<std::int8_t>(x)); }))
      .kv("a.u16", array_of(kU16, std::vector<int>{0, 65535}, [](int x) { return u16(static_cast<std::uint16_t>(x)); }))
      .kv("a.i16", array_of(kI16, std::vector<int>{-32768, 32767}, [](int x) { return i16(static_cast<std::int16_t>(x)); }))
      .kv("a.u32", array_of(kU32, std::vector<std::uint32_t>{0, 0x7FFFFFFFu}, u32))
      .kv("a.u32.big", array_of(kU32, std::vector<std::uint32_t>{1, 0x80000000u}, u32))
      .kv("a.i32", array_of(kI32, std::vector<std::int32_t>{1, -2, std::numeric_limits<std::int32_t>::min()}, i32))
      .kv("a.u64", array_of(kU64, std::vector<std::uint64_t>{5, 0x7FFFFFFFu}, u64))
      .kv("a.u64.big", array_of(kU64, std::vector<std::uint64_t>{5, 1ull << 40}, u64))
      .kv("a.i64", array_of(kI64, std::vector<std::int64_t>{-7, std::numeric_limits<std::int32_t>::min()}, i64))
      .kv("a.i64.big", array_of(kI64, std::vector<std::int64_t>{-7, -(1ll << 40)}, i64))
      .kv("a.f32", array_of(kF32, std::vector<float>{1.5f, -0.25f, 0.1f}, f32))
      .kv("a.f64", array_of(kF64, std::vector<double>{1e-300, 2.5, -1e300}, f64))
      .kv("a.bool", array_of(kBool, std::vector<bool>{true, false}, boolean))
      .kv("tokenizer.ggml.tokens", str_array({"<s>", "", "h\xC3\xA9", std::string("\0", 1)}))
      .kv("a.nested", array(kArray, {array_of(kI32, std::vector<std::int32_t>{1, 2}, i32), str_array({"x"}),
                                     array(kU8, {})}))
      .kv("a.empty", array(kU32, {}))
      .kv("a.empty_strings", array(kString, {}));
  std::vector<float> f(12);
  for (int i = 0; i < 12; ++i) f[static_cast<std::size_t>(i)] = static_cast<float>(i) - 2.5f;
  w.tensor("f32", tF32, {4, 3}, f32_bytes(f))
      .tensor("f16", tF16, {8, 2}, random_bytes(32, 1))
      .tensor("bf16", tBF16, {16}, random_bytes(32, 2))
      .tensor("q4_0", tQ4_0, {64, 2}, random_bytes(2 * 36, 3))
      .tensor("q4_1", tQ4_1, {32}, random_bytes(20, 4))
      .tensor("q8_0", tQ8_0, {32, 1, 3}, random_bytes(3 * 34, 5))
      .tensor("q4_k", tQ4_K, {256}, random_bytes(144, 6))
      .tensor("q6_k", tQ6_K, {256, 1, 1, 2}, random_bytes(2 * 210, 7));
  return w;
}

inline constexpr std::size_t kSampleKeys = 38;
inline constexpr std::size_t kSampleTensors = 8;

// Reads everything a parsed file offers (every getter on every key, every row of every tensor)
// and checks the invariants the reader promises. Returns false if one is broken.
inline bool read_everything(const gguf::GgufFile& f, std::string* why) {
  const auto* begin = f.bytes().data();
  const auto* end = begin + f.bytes().size();
  for (const auto& [key, value] : f.metadata()) {
    if (f.find(key) != &value) return *why = "find(" + key + ") is not its metadata entry", false;
    (void)f.get_u64(key);
    (void)f.get_i64(key);
    (void)f.get_f64(key);
    (void)f.get_bool(key);
    (void)f.get_string(key);
    (void)f.get_i32_array(key);
    (void)f.get_f32_array(key);
    if (auto a = f.get_string_array(key); a.ok()) {
      if (a.value().size() != value.count) return *why = key + ": string array size is not its count", false;
      for (std::size_t i = 0; i < a.value().size(); ++i) {
        const std::string_view s = a.value()[i];
        if (!s.empty() && (reinterpret_cast<const std::uint8_t*>(s.data()) < begin ||
                           reinterpret_cast<const std::uint8_t*>(s.data() + s.size()) > end))
          return *why = key + ": string outside the file", false;
      }
    }
    if (f.value_to_string(value, 20).size() > 23) return *why = key + ": value_to_string ignores max_len", false;
  }
  std::vector<float> row;
  for (const auto& t : f.tensors()) {
    if (f.find_tensor(t.name) != &t) return *why = "find_tensor(" + t.name + ") is not its entry", false;
    if (t.data < begin || t.n_bytes > static_cast<std::uint64_t>(end - t.data)) return *why = t.name + ": data outside the file", false;
    if (t.offset_in_file % f.alignment() != 0 || t.data != begin + t.offset_in_file) return *why = t.name + ": bad offset", false;
    if (t.n_rows * t.ne[0] != t.n_elements || t.n_rows * t.row_bytes != t.n_bytes) return *why = t.name + ": bad sizes", false;
    if (t.ne[0] > 65536) continue;
    row.assign(t.ne[0], 0.0f);
    for (std::uint64_t r = 0; r < t.n_rows && r < 64; ++r)
      if (gguf::dequantize_row(t.type, t.data + r * t.row_bytes, row.data(), t.ne[0]) != Status::ok)
        return *why = t.name + ": a row does not dequantise", false;
  }
  return true;
}

}  // namespace llmz::gguf_test
