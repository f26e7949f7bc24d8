// GgufWriter: builds small GGUF files in memory for the reader's tests (little-endian).
//
// Values of every GGUF type (nested arrays included) are encoded by the free functions below;
// the writer lays out header, key/value pairs, tensor table, padding and tensor data exactly as
// the GGUF spec does, and remembers where each field landed so that a test can patch one field
// of an otherwise valid file (the hostile-file tests).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace llmz::gguf_test {

using Bytes = std::vector<std::uint8_t>;

// GGUF value type tags.
enum Tag : std::uint32_t {
  kU8 = 0, kI8 = 1, kU16 = 2, kI16 = 3, kU32 = 4, kI32 = 5, kF32 = 6, kBool = 7,
  kString = 8, kArray = 9, kU64 = 10, kI64 = 11, kF64 = 12,
};
// ggml tensor type ids.
enum TType : std::uint32_t {
  tF32 = 0, tF16 = 1, tQ4_0 = 2, tQ4_1 = 3, tQ8_0 = 8, tQ4_K = 12, tQ6_K = 14, tBF16 = 30,
};

inline void put_le(Bytes& out, std::uint64_t v, int n) {
  for (int i = 0; i < n; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}
inline void put_string(Bytes& out, std::string_view s) {
  put_le(out, s.size(), 8);
  out.insert(out.end(), s.begin(), s.end());
}
// Overwrites n little-endian bytes at `at`.
inline void patch(Bytes& b, std::size_t at, std::uint64_t v, int n) {
  for (int i = 0; i < n; ++i) b.at(at + static_cast<std::size_t>(i)) = static_cast<std::uint8_t>(v >> (8 * i));
}

// An encoded value: its type tag and the bytes that follow the tag.
struct Encoded {
  std::uint32_t tag = kU8;
  Bytes payload;
};

inline Encoded fixed(std::uint32_t tag, std::uint64_t bits, int n) {
  Encoded e{tag, {}};
  put_le(e.payload, bits, n);
  return e;
}
inline Encoded u8(std::uint8_t v) { return fixed(kU8, v, 1); }
inline Encoded i8(std::int8_t v) { return fixed(kI8, static_cast<std::uint8_t>(v), 1); }
inline Encoded u16(std::uint16_t v) { return fixed(kU16, v, 2); }
inline Encoded i16(std::int16_t v) { return fixed(kI16, static_cast<std::uint16_t>(v), 2); }
inline Encoded u32(std::uint32_t v) { return fixed(kU32, v, 4); }
inline Encoded i32(std::int32_t v) { return fixed(kI32, static_cast<std::uint32_t>(v), 4); }
inline Encoded u64(std::uint64_t v) { return fixed(kU64, v, 8); }
inline Encoded i64(std::int64_t v) { return fixed(kI64, static_cast<std::uint64_t>(v), 8); }
inline Encoded boolean(bool v) { return fixed(kBool, v ? 1 : 0, 1); }
inline Encoded f32(float v) {
  std::uint32_t bits = 0;
  std::memcpy(&bits, &v, 4);
  return fixed(kF32, bits, 4);
}
inline Encoded f64(double v) {
  std::uint64_t bits = 0;
  std::memcpy(&bits, &v, 8);
  return fixed(kF64, bits, 8);
}
inline Encoded str(std::string_view s) {
  Encoded e{kString, {}};
  put_string(e.payload, s);
  return e;
}
// An array of `elem_tag` elements (each element's own tag must match; arrays may nest).
inline Encoded array(std::uint32_t elem_tag, const std::vector<Encoded>& elems) {
  Encoded e{kArray, {}};
  put_le(e.payload, elem_tag, 4);
  put_le(e.payload, elems.size(), 8);
  for (const Encoded& x : elems) {
    if (x.tag != elem_tag) throw std::logic_error("array element of another type");
    e.payload.insert(e.payload.end(), x.payload.begin(), x.payload.end());
  }
  return e;
}
// An array header announcing `count` elements followed by whatever `body` holds (hostile files).
inline Encoded array_raw(std::uint32_t elem_tag, std::uint64_t count, const Bytes& body = {}) {
  Encoded e{kArray, {}};
  put_le(e.payload, elem_tag, 4);
  put_le(e.payload, count, 8);
  e.payload.insert(e.payload.end(), body.begin(), body.end());
  return e;
}
template <typename T, typename F>
Encoded array_of(std::uint32_t elem_tag, const std::vector<T>& xs, F encode) {
  std::vector<Encoded> elems;
  for (const T& x : xs) elems.push_back(encode(x));
  return array(elem_tag, elems);
}
inline Encoded str_array(const std::vector<std::string>& xs) {
  return array_of(kString, xs, [](const std::string& s) { return str(s); });
}

class GgufWriter {
 public:
  char magic[4] = {'G', 'G', 'U', 'F'};
  std::uint32_t version = 3;
  std::uint64_t alignment = 32;  // padding of the data section (general.alignment is a separate kv)
  std::optional<std::uint64_t> tensor_count_override;
  std::optional<std::uint64_t> kv_count_override;

  GgufWriter& kv(std::string_view key, const Encoded& v) { return kv_raw(key, v.tag, v.payload); }
  GgufWriter& kv_raw(std::string_view key, std::uint32_t tag, const Bytes& payload) {
    KvAt at;
    at.key = kv_.size();
    put_string(kv_, key);
    at.tag = kv_.size();
    put_le(kv_, tag, 4);
    at.value = kv_.size();
    kv_.insert(kv_.end(), payload.begin(), payload.end());
    kv_at_.push_back(at);
    return *this;
  }

  // A tensor whose data (`data`, the raw bytes) follow the previous tensor's, aligned.
  GgufWriter& tensor(std::string_view name, std::uint32_t type, const std::vector<std::uint64_t>& ne, const Bytes& data) {
    while (data_.size() % alignment != 0) data_.push_back(0);
    TensorAt at;
    at.name = tensors_.size();
    put_string(tensors_, name);
    at.n_dims = tensors_.size();
    put_le(tensors_, ne.size(), 4);
    at.dims = tensors_.size();
    for (std::uint64_t d : ne) put_le(tensors_, d, 8);
    at.type = tensors_.size();
    put_le(tensors_, type, 4);
    at.offset = tensors_.size();
    at.relative_data = data_.size();
    put_le(tensors_, data_.size(), 8);
    data_.insert(data_.end(), data.begin(), data.end());
    tensor_at_.push_back(at);
    return *this;
  }

  // The file; it ends with the last tensor's last byte (no trailing padding).
  Bytes build() const {
    Bytes out(magic, magic + 4);
    put_le(out, version, 4);
    put_le(out, tensor_count_override.value_or(tensor_at_.size()), 8);
    put_le(out, kv_count_override.value_or(kv_at_.size()), 8);
    out.insert(out.end(), kv_.begin(), kv_.end());
    out.insert(out.end(), tensors_.begin(), tensors_.end());
    if (!data_.empty()) {
      while (out.size() % alignment != 0) out.push_back(0);
      out.insert(out.end(), data_.begin(), data_.end());
    }
    return out;
  }

  // Absolute offsets of the fields of build()'s output.
  static constexpr std::size_t kVersionAt = 4, kTensorCountAt = 8, kKvCountAt = 16, kHeaderSize = 24;
  std::size_t kv_key_at(std::size_t i) const { return kHeaderSize + kv_at_.at(i).key; }
  std::size_t kv_tag_at(std::size_t i) const { return kHeaderSize + kv_at_.at(i).tag; }
  std::size_t kv_value_at(std::size_t i) const { return kHeaderSize + kv_at_.at(i).value; }
  std::size_t tensor_name_at(std::size_t i) const { return table_start() + tensor_at_.at(i).name; }
  std::size_t tensor_n_dims_at(std::size_t i) const { return table_start() + tensor_at_.at(i).n_dims; }
  std::size_t tensor_dim_at(std::size_t i, std::size_t d) const { return table_start() + tensor_at_.at(i).dims + 8 * d; }
  std::size_t tensor_type_at(std::size_t i) const { return table_start() + tensor_at_.at(i).type; }
  std::size_t tensor_offset_at(std::size_t i) const { return table_start() + tensor_at_.at(i).offset; }
  std::size_t table_end() const { return table_start() + tensors_.size(); }
  std::size_t data_start() const { return (table_end() + alignment - 1) / alignment * alignment; }
  std::size_t tensor_data_at(std::size_t i) const { return data_start() + tensor_at_.at(i).relative_data; }
  std::size_t tensor_relative_data(std::size_t i) const { return tensor_at_.at(i).relative_data; }

 private:
  struct KvAt {
    std::size_t key = 0, tag = 0, value = 0;
  };
  struct TensorAt {
    std::size_t name = 0, n_dims = 0, dims = 0, type = 0, offset = 0, relative_data = 0;
  };
  std::size_t table_start() const { return kHeaderSize + kv_.size(); }

  Bytes kv_, tensors_, data_;
  std::vector<KvAt> kv_at_;
  std::vector<TensorAt> tensor_at_;
};

}  // namespace llmz::gguf_test
