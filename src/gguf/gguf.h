// GGUF reader: a memory-mapped, hardened parser for GGUF versions 2 and 3.
//
// Contract:
//  - open() maps the file and parses the header, metadata and tensor table; parse() does the same
//    over borrowed bytes (they must outlive the GgufFile). Every count, length, dimension, element
//    total, size and offset read from the file is bounded and overflow-checked before use, and no
//    allocation is proportional to an unchecked count: hostile files give an Error (truncated,
//    overflow, out_of_bounds, bad_alignment, unknown_type, duplicate_key, bad_magic,
//    unsupported_version, type_mismatch) naming what is wrong, never a crash.
//  - Tensor data are views into the mapping; every tensor lies inside the file, aligned.
//  - No model logic here: typed metadata access and tensor views only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/mapped_file.h"
#include "common/result.h"

namespace llmz::gguf {

enum class ValueType : std::uint32_t {
  u8 = 0, i8 = 1, u16 = 2, i16 = 3, u32 = 4, i32 = 5, f32 = 6, boolean = 7,
  string = 8, array = 9, u64 = 10, i64 = 11, f64 = 12,
};
const char* value_type_name(ValueType t) noexcept;

// ggml tensor type ids; only these are accepted in a tensor table. Other ggml ids (Q5_K, IQ2_XS...)
// have names, for error messages, but a tensor of such a type is refused with unknown_type.
enum class TensorType : std::uint32_t {
  F32 = 0, F16 = 1, Q4_0 = 2, Q4_1 = 3, Q8_0 = 8, Q4_K = 12, Q6_K = 14, BF16 = 30,
};
// ggml's name of a type id ("Q4_1", "Q5_K", "IQ2_XS"...), "unknown" for ids ggml does not define.
const char* tensor_type_name(TensorType t) noexcept;
bool tensor_type_known(std::uint32_t id) noexcept;  // one of the supported types above
std::uint64_t block_elements(TensorType t) noexcept;  // elements per block (1 for F32/F16/BF16)
std::uint64_t block_bytes(TensorType t) noexcept;     // bytes per block
// Bytes of a row of n elements; overflow or n not a multiple of the block size -> error.
Result<std::uint64_t> row_size_bytes(TensorType t, std::uint64_t n);

// One metadata value. Scalars are decoded; strings and arrays are views into the file.
struct Value {
  ValueType type = ValueType::u8;
  std::uint64_t u = 0;   // unsigned integers and bool
  std::int64_t i = 0;    // signed integers
  double f = 0.0;        // f32 / f64
  std::string_view str;  // string
  ValueType elem_type = ValueType::u8;                // arrays
  std::uint64_t count = 0;                            // arrays
  std::span<const std::uint8_t> elems;                // arrays of fixed-size elements: their bytes
  std::vector<std::string_view> strings;              // arrays of strings
};

class StringArrayView {
 public:
  explicit StringArrayView(const std::vector<std::string_view>* v) : v_(v) {}
  std::size_t size() const noexcept { return v_->size(); }
  std::string_view operator[](std::size_t i) const noexcept { return (*v_)[i]; }

 private:
  const std::vector<std::string_view>* v_;
};

struct TensorInfo {
  std::string name;
  TensorType type = TensorType::F32;
  std::uint32_t n_dims = 0;
  std::uint64_t ne[4] = {1, 1, 1, 1};  // ne[0] is the contiguous row length (ggml order)
  std::uint64_t n_elements = 0;
  std::uint64_t n_rows = 0;            // n_elements / ne[0]
  std::uint64_t row_bytes = 0;
  std::uint64_t n_bytes = 0;
  std::uint64_t offset_in_file = 0;
  const std::uint8_t* data = nullptr;
};

class GgufFile {
 public:
  GgufFile() = default;
  GgufFile(GgufFile&&) noexcept = default;
  GgufFile& operator=(GgufFile&&) noexcept = default;

  static Result<GgufFile> open(const std::string& path);
  static Result<GgufFile> parse(std::span<const std::uint8_t> bytes);

  std::uint32_t version() const noexcept { return version_; }
  std::uint64_t alignment() const noexcept { return alignment_; }
  std::uint64_t file_size() const noexcept { return bytes_.size(); }
  std::uint64_t data_offset() const noexcept { return data_offset_; }
  std::span<const std::uint8_t> bytes() const noexcept { return bytes_; }

  // Metadata, in file order.
  const std::vector<std::pair<std::string, Value>>& metadata() const noexcept { return kv_; }
  const Value* find(const std::string& key) const;
  Result<std::uint64_t> get_u64(const std::string& key) const;  // any integer type, value >= 0
  Result<std::int64_t> get_i64(const std::string& key) const;   // any integer type within int64
  Result<double> get_f64(const std::string& key) const;         // f32 or f64
  Result<bool> get_bool(const std::string& key) const;
  Result<std::string_view> get_string(const std::string& key) const;
  Result<StringArrayView> get_string_array(const std::string& key) const;
  Result<std::vector<std::int32_t>> get_i32_array(const std::string& key) const;  // any integer array fitting int32
  Result<std::vector<float>> get_f32_array(const std::string& key) const;         // f32 or f64 arrays
  // A one-line rendering of a value, cut at max_len bytes (then "..." is appended), control
  // characters shown as spaces: "30", "1e-05", "\"llama\"", "[49152 string] \"<|endoftext|>\", ...".
  std::string value_to_string(const Value& v, std::size_t max_len = 80) const;
  std::string value_to_string(const std::string& key, std::size_t max_len = 80) const;  // "" if absent

  const std::vector<TensorInfo>& tensors() const noexcept { return tensors_; }
  const TensorInfo* find_tensor(std::string_view name) const;

 private:
  Error parse_all();

  MappedFile map_;
  std::span<const std::uint8_t> bytes_;
  std::uint32_t version_ = 0;
  std::uint64_t alignment_ = 32;
  std::uint64_t data_offset_ = 0;
  std::vector<std::pair<std::string, Value>> kv_;
  std::unordered_map<std::string, std::size_t> kv_index_;
  std::vector<TensorInfo> tensors_;
  std::unordered_map<std::string_view, std::size_t> tensor_index_;  // views into tensors_[i].name
};

}  // namespace llmz::gguf
