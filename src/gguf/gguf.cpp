#include "gguf/gguf.h"

#include <charconv>
#include <cstring>
#include <iterator>
#include <limits>

#include "common/byte_reader.h"

namespace llmz::gguf {
namespace {

constexpr std::uint64_t kMaxDims = 4;
constexpr std::size_t kMaxNameLength = 1 << 16;   // keys and tensor names
constexpr int kMaxArrayDepth = 2;                 // arrays of arrays are skipped, not deeper
// Vectors sized from a file's counts reserve at most this many entries up front; beyond it they
// grow as entries are actually read, so memory follows the bytes parsed, not the counts claimed.
constexpr std::uint64_t kMaxReserve = 1 << 16;

std::size_t reserve_hint(std::uint64_t count) { return static_cast<std::size_t>(count < kMaxReserve ? count : kMaxReserve); }

std::string hex_offset(std::size_t off) { return "offset " + std::to_string(off); }

// Size in bytes of one fixed-size value, 0 for string/array (variable) and unknown types.
std::uint64_t fixed_size(ValueType t) {
  switch (t) {
    case ValueType::u8: case ValueType::i8: case ValueType::boolean: return 1;
    case ValueType::u16: case ValueType::i16: return 2;
    case ValueType::u32: case ValueType::i32: case ValueType::f32: return 4;
    case ValueType::u64: case ValueType::i64: case ValueType::f64: return 8;
    default: return 0;
  }
}

bool value_type_known(std::uint32_t t) { return t <= static_cast<std::uint32_t>(ValueType::f64); }

bool checked_mul(std::uint64_t a, std::uint64_t b, std::uint64_t& out) {
  if (a != 0 && b > std::numeric_limits<std::uint64_t>::max() / a) return false;
  out = a * b;
  return true;
}

class Parser {
 public:
  explicit Parser(std::span<const std::uint8_t> bytes) : r_(bytes) {}
  ByteReader& reader() { return r_; }

  Error truncated(const std::string& what) const {
    return Error(Status::truncated, "file ends inside " + what + " at " + hex_offset(r_.position()));
  }

  Error read_string(std::string_view& out, const std::string& what, std::size_t max_len) {
    std::uint64_t len = 0;
    if (r_.u64(len) != Status::ok) return truncated(what + " length");
    if (len > max_len) return Error(Status::overflow, what + " length " + std::to_string(len) + " is absurd");
    std::span<const std::uint8_t> s;
    if (r_.bytes(static_cast<std::size_t>(len), s) != Status::ok) return truncated(what);
    out = std::string_view(reinterpret_cast<const char*>(s.data()), s.size());
    return Error();
  }

  Error read_scalar(ValueType t, Value& v, const std::string& key) {
    std::uint8_t b8 = 0;
    std::uint16_t b16 = 0;
    std::uint32_t b32 = 0;
    std::uint64_t b64 = 0;
    Status s = Status::ok;
    switch (t) {
      case ValueType::u8: s = r_.u8(b8); v.u = b8; v.i = b8; break;
      case ValueType::i8: s = r_.u8(b8); v.i = static_cast<std::int8_t>(b8); break;
      case ValueType::boolean:
        s = r_.u8(b8);
        if (s == Status::ok && b8 > 1) return Error(Status::corrupt_data, "key " + key + ": bool value " + std::to_string(b8));
        v.u = b8;
        break;
      case ValueType::u16: s = r_.u16(b16); v.u = b16; v.i = b16; break;
      case ValueType::i16: s = r_.u16(b16); v.i = static_cast<std::int16_t>(b16); break;
      case ValueType::u32: s = r_.u32(b32); v.u = b32; v.i = b32; break;
      case ValueType::i32: s = r_.u32(b32); v.i = static_cast<std::int32_t>(b32); break;
      case ValueType::f32: {
        float f = 0;
        s = r_.f32(f);
        v.f = f;
        break;
      }
      case ValueType::u64:
        s = r_.u64(b64);
        v.u = b64;
        v.i = b64 <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) ? static_cast<std::int64_t>(b64) : -1;
        break;
      case ValueType::i64: s = r_.u64(b64); v.i = static_cast<std::int64_t>(b64); break;
      case ValueType::f64: s = r_.f64(v.f); break;
      default: return Error(Status::unknown_type, "key " + key + ": not a scalar type");
    }
    if (s != Status::ok) return truncated("value of key " + key);
    if (t == ValueType::i8 || t == ValueType::i16 || t == ValueType::i32 || t == ValueType::i64)
      v.u = v.i >= 0 ? static_cast<std::uint64_t>(v.i) : 0;
    return Error();
  }

  Error read_value(ValueType t, Value& v, const std::string& key, int depth) {
    v.type = t;
    if (t == ValueType::string) return read_string(v.str, "string value of key " + key, std::numeric_limits<std::uint32_t>::max());
    if (t != ValueType::array) return read_scalar(t, v, key);
    if (depth >= kMaxArrayDepth) return Error(Status::unsupported_version, "key " + key + ": arrays nested too deep");
    std::uint32_t et = 0;
    if (r_.u32(et) != Status::ok) return truncated("array type of key " + key);
    if (!value_type_known(et)) return Error(Status::unknown_type, "key " + key + ": unknown array element type " + std::to_string(et));
    v.elem_type = static_cast<ValueType>(et);
    if (r_.u64(v.count) != Status::ok) return truncated("array length of key " + key);
    if (const std::uint64_t size = fixed_size(v.elem_type); size != 0) {
      std::uint64_t total = 0;
      if (!checked_mul(v.count, size, total) || total > r_.remaining())
        return Error(Status::truncated, "key " + key + ": array of " + std::to_string(v.count) + " elements runs past the end");
      if (r_.bytes(static_cast<std::size_t>(total), v.elems) != Status::ok) return truncated("array of key " + key);
      return Error();
    }
    // Variable-size elements: each takes at least 8 bytes, which bounds the count.
    if (v.count > r_.remaining() / 8)
      return Error(Status::truncated, "key " + key + ": array of " + std::to_string(v.count) + " elements runs past the end");
    if (v.elem_type == ValueType::string) {
      v.strings.reserve(reserve_hint(v.count));
      for (std::uint64_t i = 0; i < v.count; ++i) {
        std::string_view sv;
        if (Error e = read_string(sv, "string " + std::to_string(i) + " of key " + key, std::numeric_limits<std::uint32_t>::max())) return e;
        v.strings.push_back(sv);
      }
      return Error();
    }
    for (std::uint64_t i = 0; i < v.count; ++i) {  // nested arrays: validated and skipped
      Value inner;
      if (Error e = read_value(ValueType::array, inner, key, depth + 1)) return e;
    }
    return Error();
  }

 private:
  ByteReader r_;
};

}  // namespace

const char* value_type_name(ValueType t) noexcept {
  switch (t) {
    case ValueType::u8: return "u8";
    case ValueType::i8: return "i8";
    case ValueType::u16: return "u16";
    case ValueType::i16: return "i16";
    case ValueType::u32: return "u32";
    case ValueType::i32: return "i32";
    case ValueType::f32: return "f32";
    case ValueType::boolean: return "bool";
    case ValueType::string: return "string";
    case ValueType::array: return "array";
    case ValueType::u64: return "u64";
    case ValueType::i64: return "i64";
    case ValueType::f64: return "f64";
  }
  return "unknown";
}

const char* tensor_type_name(TensorType t) noexcept {
  // ggml's type ids (ggml.h); gaps are ids ggml has retired.
  static constexpr const char* kNames[] = {
      "F32",    "F16",     "Q4_0",   "Q4_1",   nullptr, nullptr, "Q5_0",    "Q5_1",   "Q8_0",  "Q8_1",
      "Q2_K",   "Q3_K",    "Q4_K",   "Q5_K",   "Q6_K",  "Q8_K",  "IQ2_XXS", "IQ2_XS", "IQ3_XXS", "IQ1_S",
      "IQ4_NL", "IQ3_S",   "IQ2_S",  "IQ4_XS", "I8",    "I16",   "I32",     "I64",    "F64",   "IQ1_M",
      "BF16",   nullptr,   nullptr,  nullptr,  "TQ1_0", "TQ2_0", nullptr,   nullptr,  nullptr, "MXFP4"};
  const auto id = static_cast<std::uint32_t>(t);
  if (id < std::size(kNames) && kNames[id] != nullptr) return kNames[id];
  return "unknown";
}

bool tensor_type_known(std::uint32_t id) noexcept {
  switch (id) {
    case 0: case 1: case 2: case 3: case 8: case 12: case 14: case 30: return true;
    default: return false;
  }
}

std::uint64_t block_elements(TensorType t) noexcept {
  switch (t) {
    case TensorType::F32: case TensorType::F16: case TensorType::BF16: return 1;
    case TensorType::Q4_0: case TensorType::Q4_1: case TensorType::Q8_0: return 32;
    case TensorType::Q4_K: case TensorType::Q6_K: return 256;
  }
  return 0;
}

std::uint64_t block_bytes(TensorType t) noexcept {
  switch (t) {
    case TensorType::F32: return 4;
    case TensorType::F16: case TensorType::BF16: return 2;
    case TensorType::Q4_0: return 18;
    case TensorType::Q4_1: return 20;
    case TensorType::Q8_0: return 34;
    case TensorType::Q4_K: return 144;
    case TensorType::Q6_K: return 210;
  }
  return 0;
}

Result<std::uint64_t> row_size_bytes(TensorType t, std::uint64_t n) {
  const std::uint64_t be = block_elements(t);
  if (be == 0) return Error(Status::unknown_type, "unknown tensor type");
  if (n % be != 0)
    return Error(Status::corrupt_data, std::string("row of ") + std::to_string(n) + " elements is not a whole number of " +
                                           tensor_type_name(t) + " blocks");
  std::uint64_t bytes = 0;
  if (!checked_mul(n / be, block_bytes(t), bytes)) return Error(Status::overflow, "row size overflows");
  return bytes;
}

Result<GgufFile> GgufFile::open(const std::string& path) {
  auto map = MappedFile::open(path);
  if (!map.ok()) return map.error();
  GgufFile f;
  f.map_ = std::move(map).value();
  f.bytes_ = f.map_.bytes();
  if (Error e = f.parse_all()) return Error(e.status, path + ": " + e.detail);
  return f;
}

Result<GgufFile> GgufFile::parse(std::span<const std::uint8_t> bytes) {
  GgufFile f;
  f.bytes_ = bytes;
  if (Error e = f.parse_all()) return e;
  return f;
}

Error GgufFile::parse_all() {
  Parser p(bytes_);
  ByteReader& r = p.reader();
  std::span<const std::uint8_t> magic;
  if (r.bytes(4, magic) != Status::ok) return p.truncated("the magic");
  if (std::string_view(reinterpret_cast<const char*>(magic.data()), 4) != "GGUF")
    return Error(Status::bad_magic, "not a GGUF file (no GGUF magic)");
  if (r.u32(version_) != Status::ok) return p.truncated("the version");
  if (version_ != 2 && version_ != 3) {
    const std::uint32_t swapped = (version_ >> 24) | ((version_ >> 8) & 0xFF00u) | ((version_ << 8) & 0xFF0000u) | (version_ << 24);
    return Error(Status::unsupported_version, "GGUF version " + std::to_string(version_) + " (2 and 3 are read)" +
                                                  (swapped == 2 || swapped == 3 ? ": a big-endian GGUF file" : ""));
  }
  std::uint64_t n_tensors = 0, n_kv = 0;
  if (r.u64(n_tensors) != Status::ok) return p.truncated("the tensor count");
  if (r.u64(n_kv) != Status::ok) return p.truncated("the metadata count");
  // Each key/value takes at least 13 bytes (length, type, 1 byte), each tensor entry 32.
  if (n_kv > r.remaining() / 13) return Error(Status::truncated, "metadata count " + std::to_string(n_kv) + " cannot fit in the file");
  if (n_tensors > r.remaining() / 32) return Error(Status::truncated, "tensor count " + std::to_string(n_tensors) + " cannot fit in the file");

  kv_.reserve(reserve_hint(n_kv));
  for (std::uint64_t k = 0; k < n_kv; ++k) {
    std::string_view key;
    if (Error e = p.read_string(key, "key " + std::to_string(k), kMaxNameLength)) return e;
    std::string key_str(key);
    if (kv_index_.count(key_str) != 0) return Error(Status::duplicate_key, "metadata key " + key_str + " appears twice");
    std::uint32_t type = 0;
    if (r.u32(type) != Status::ok) return p.truncated("the type of key " + key_str);
    if (!value_type_known(type)) return Error(Status::unknown_type, "key " + key_str + " has unknown value type " + std::to_string(type));
    Value v;
    if (Error e = p.read_value(static_cast<ValueType>(type), v, key_str, 0)) return e;
    kv_index_.emplace(key_str, kv_.size());
    kv_.emplace_back(std::move(key_str), std::move(v));
  }

  if (const Value* a = find("general.alignment")) {
    if (a->type != ValueType::u32 && a->type != ValueType::u64 && a->type != ValueType::i32)
      return Error(Status::type_mismatch, "general.alignment is not an integer");
    if (a->u == 0 || (a->u & (a->u - 1)) != 0 || a->u > (1u << 20))
      return Error(Status::bad_alignment, "general.alignment " + std::to_string(a->u) + " is not a power of two <= 2^20");
    alignment_ = a->u;
  }

  tensors_.reserve(reserve_hint(n_tensors));
  for (std::uint64_t t = 0; t < n_tensors; ++t) {
    TensorInfo info;
    std::string_view name;
    if (Error e = p.read_string(name, "tensor name " + std::to_string(t), kMaxNameLength)) return e;
    info.name = std::string(name);
    if (r.u32(info.n_dims) != Status::ok) return p.truncated("tensor " + info.name);
    if (info.n_dims == 0 || info.n_dims > kMaxDims)
      return Error(Status::overflow, "tensor " + info.name + " has " + std::to_string(info.n_dims) + " dimensions (1..4 allowed)");
    std::uint64_t elements = 1;
    for (std::uint32_t d = 0; d < info.n_dims; ++d) {
      if (r.u64(info.ne[d]) != Status::ok) return p.truncated("tensor " + info.name);
      if (info.ne[d] == 0) return Error(Status::corrupt_data, "tensor " + info.name + " has a zero dimension");
      if (!checked_mul(elements, info.ne[d], elements) || elements > (std::uint64_t{1} << 48))
        return Error(Status::overflow, "tensor " + info.name + " has an absurd element count");
    }
    info.n_elements = elements;
    info.n_rows = elements / info.ne[0];
    std::uint32_t type = 0;
    if (r.u32(type) != Status::ok) return p.truncated("tensor " + info.name);
    if (!tensor_type_known(type))
      return Error(Status::unknown_type, "tensor " + info.name + " has type " + tensor_type_name(static_cast<TensorType>(type)) +
                                             " (" + std::to_string(type) + "), which is not supported (F32 F16 BF16 Q4_0 Q4_1 Q8_0 Q4_K Q6_K are)");
    info.type = static_cast<TensorType>(type);
    if (r.u64(info.offset_in_file) != Status::ok) return p.truncated("tensor " + info.name);
    auto row = row_size_bytes(info.type, info.ne[0]);
    if (!row.ok()) return Error(row.error().status, "tensor " + info.name + ": " + row.error().detail);
    info.row_bytes = row.value();
    if (!checked_mul(info.row_bytes, info.n_rows, info.n_bytes)) return Error(Status::overflow, "tensor " + info.name + " size overflows");
    tensors_.push_back(std::move(info));
  }

  // Data start at the next multiple of the alignment after the tensor table.
  const std::uint64_t table_end = r.position();
  data_offset_ = (table_end + alignment_ - 1) / alignment_ * alignment_;
  if (data_offset_ > bytes_.size() && !tensors_.empty())
    return Error(Status::truncated, "file ends before its tensor data");
  for (TensorInfo& info : tensors_) {
    if (info.offset_in_file % alignment_ != 0)
      return Error(Status::bad_alignment, "tensor " + info.name + " data offset " + std::to_string(info.offset_in_file) + " is misaligned");
    const std::uint64_t start = data_offset_ + info.offset_in_file;
    if (info.offset_in_file > bytes_.size() || start > bytes_.size() || info.n_bytes > bytes_.size() - start)
      return Error(Status::out_of_bounds, "tensor " + info.name + " data lie outside the file");
    info.offset_in_file = start;
    info.data = bytes_.data() + start;
  }
  tensor_index_.reserve(tensors_.size());
  for (std::size_t i = 0; i < tensors_.size(); ++i) {
    if (!tensor_index_.emplace(std::string_view(tensors_[i].name), i).second)
      return Error(Status::duplicate_key, "tensor " + tensors_[i].name + " appears twice");
  }
  return Error();
}

const Value* GgufFile::find(const std::string& key) const {
  auto it = kv_index_.find(key);
  return it == kv_index_.end() ? nullptr : &kv_[it->second].second;
}

const TensorInfo* GgufFile::find_tensor(std::string_view name) const {
  auto it = tensor_index_.find(name);
  return it == tensor_index_.end() ? nullptr : &tensors_[it->second];
}

namespace {
Error missing(const std::string& key) { return Error(Status::missing_key, "metadata key " + key + " is missing"); }
Error mismatch(const std::string& key, const Value& v, const char* want) {
  return Error(Status::type_mismatch, "metadata key " + key + " is " + value_type_name(v.type) + ", expected " + want);
}
bool is_integer(ValueType t) {
  return t == ValueType::u8 || t == ValueType::i8 || t == ValueType::u16 || t == ValueType::i16 || t == ValueType::u32 ||
         t == ValueType::i32 || t == ValueType::u64 || t == ValueType::i64;
}
bool is_signed(ValueType t) { return t == ValueType::i8 || t == ValueType::i16 || t == ValueType::i32 || t == ValueType::i64; }
}  // namespace

Result<std::uint64_t> GgufFile::get_u64(const std::string& key) const {
  const Value* v = find(key);
  if (v == nullptr) return missing(key);
  if (!is_integer(v->type)) return mismatch(key, *v, "an integer");
  if (is_signed(v->type) && v->i < 0) return Error(Status::type_mismatch, "metadata key " + key + " is negative");
  return v->u;
}

Result<std::int64_t> GgufFile::get_i64(const std::string& key) const {
  const Value* v = find(key);
  if (v == nullptr) return missing(key);
  if (!is_integer(v->type)) return mismatch(key, *v, "an integer");
  if (v->type == ValueType::u64 && v->i < 0) return Error(Status::overflow, "metadata key " + key + " does not fit int64");
  return v->i;
}

Result<double> GgufFile::get_f64(const std::string& key) const {
  const Value* v = find(key);
  if (v == nullptr) return missing(key);
  if (v->type != ValueType::f32 && v->type != ValueType::f64) return mismatch(key, *v, "a float");
  return v->f;
}

Result<bool> GgufFile::get_bool(const std::string& key) const {
  const Value* v = find(key);
  if (v == nullptr) return missing(key);
  if (v->type != ValueType::boolean) return mismatch(key, *v, "a bool");
  return v->u != 0;
}

Result<std::string_view> GgufFile::get_string(const std::string& key) const {
  const Value* v = find(key);
  if (v == nullptr) return missing(key);
  if (v->type != ValueType::string) return mismatch(key, *v, "a string");
  return v->str;
}

Result<StringArrayView> GgufFile::get_string_array(const std::string& key) const {
  const Value* v = find(key);
  if (v == nullptr) return missing(key);
  if (v->type != ValueType::array || v->elem_type != ValueType::string) return mismatch(key, *v, "an array of strings");
  return StringArrayView(&v->strings);
}

Result<std::vector<std::int32_t>> GgufFile::get_i32_array(const std::string& key) const {
  const Value* v = find(key);
  if (v == nullptr) return missing(key);
  if (v->type != ValueType::array || !is_integer(v->elem_type)) return mismatch(key, *v, "an array of integers");
  const std::uint64_t size = fixed_size(v->elem_type);
  std::vector<std::int32_t> out;
  out.reserve(static_cast<std::size_t>(v->count));
  for (std::uint64_t i = 0; i < v->count; ++i) {
    const std::uint8_t* p = v->elems.data() + i * size;
    std::int64_t x = 0;
    switch (v->elem_type) {
      case ValueType::u8: x = p[0]; break;
      case ValueType::i8: x = static_cast<std::int8_t>(p[0]); break;
      case ValueType::u16: x = load_le16(p); break;
      case ValueType::i16: x = static_cast<std::int16_t>(load_le16(p)); break;
      case ValueType::u32: x = load_le32(p); break;
      case ValueType::i32: x = static_cast<std::int32_t>(load_le32(p)); break;
      case ValueType::u64: {
        const std::uint64_t u = load_le64(p);
        x = u > 0x7FFFFFFFu ? std::int64_t{1} << 40 : static_cast<std::int64_t>(u);
        break;
      }
      default: x = static_cast<std::int64_t>(load_le64(p)); break;
    }
    if (x < std::numeric_limits<std::int32_t>::min() || x > std::numeric_limits<std::int32_t>::max())
      return Error(Status::overflow, "metadata key " + key + ": element " + std::to_string(i) + " does not fit int32");
    out.push_back(static_cast<std::int32_t>(x));
  }
  return out;
}

Result<std::vector<float>> GgufFile::get_f32_array(const std::string& key) const {
  const Value* v = find(key);
  if (v == nullptr) return missing(key);
  if (v->type != ValueType::array || (v->elem_type != ValueType::f32 && v->elem_type != ValueType::f64))
    return mismatch(key, *v, "an array of floats");
  std::vector<float> out;
  out.reserve(static_cast<std::size_t>(v->count));
  ByteReader r(v->elems);
  for (std::uint64_t i = 0; i < v->count; ++i) {
    if (v->elem_type == ValueType::f32) {
      float f = 0;
      (void)r.f32(f);
      out.push_back(f);
    } else {
      double d = 0;
      (void)r.f64(d);
      out.push_back(static_cast<float>(d));
    }
  }
  return out;
}

namespace {

// Shortest text that reads back as the same binary32 (f32 values) or binary64 value.
std::string float_text(double f, bool single) {
  char buf[32];
  const auto r = single ? std::to_chars(buf, buf + sizeof buf, static_cast<float>(f)) : std::to_chars(buf, buf + sizeof buf, f);
  return std::string(buf, r.ptr);
}

std::string quoted(std::string_view s) {
  std::string q;
  q.reserve(s.size() + 2);
  q.push_back('"');
  q.append(s);
  q.push_back('"');
  return q;
}

// Element i of a fixed-size array, as text.
std::string element_text(const Value& v, std::uint64_t i) {
  const std::uint8_t* p = v.elems.data() + i * fixed_size(v.elem_type);
  switch (v.elem_type) {
    case ValueType::u8: return std::to_string(p[0]);
    case ValueType::i8: return std::to_string(static_cast<std::int8_t>(p[0]));
    case ValueType::boolean: return p[0] != 0 ? "true" : "false";
    case ValueType::u16: return std::to_string(load_le16(p));
    case ValueType::i16: return std::to_string(static_cast<std::int16_t>(load_le16(p)));
    case ValueType::u32: return std::to_string(load_le32(p));
    case ValueType::i32: return std::to_string(static_cast<std::int32_t>(load_le32(p)));
    case ValueType::u64: return std::to_string(load_le64(p));
    case ValueType::i64: return std::to_string(static_cast<std::int64_t>(load_le64(p)));
    case ValueType::f32: {
      float f = 0;
      const std::uint32_t bits = load_le32(p);
      std::memcpy(&f, &bits, 4);
      return float_text(f, true);
    }
    case ValueType::f64: {
      double d = 0;
      const std::uint64_t bits = load_le64(p);
      std::memcpy(&d, &bits, 8);
      return float_text(d, false);
    }
    default: return "?";
  }
}

}  // namespace

std::string GgufFile::value_to_string(const Value& v, std::size_t max_len) const {
  std::string s;
  switch (v.type) {
    case ValueType::string: s = quoted(v.str.substr(0, max_len + 1)); break;
    case ValueType::f32: s = float_text(v.f, true); break;
    case ValueType::f64: s = float_text(v.f, false); break;
    case ValueType::boolean: s = v.u ? "true" : "false"; break;
    case ValueType::array: {
      s = "[" + std::to_string(v.count) + " " + value_type_name(v.elem_type) + "]";
      // The first elements, as many as fit (nested arrays are summarised by their count only).
      const bool fixed = fixed_size(v.elem_type) != 0;
      for (std::uint64_t i = 0; i < v.count && s.size() <= max_len; ++i) {
        if (v.elem_type != ValueType::string && !fixed) break;
        s.append(i == 0 ? " " : ", ");
        s.append(v.elem_type == ValueType::string ? quoted(v.strings[i].substr(0, max_len)) : element_text(v, i));
      }
      break;
    }
    default: s = is_signed(v.type) ? std::to_string(v.i) : std::to_string(v.u); break;
  }
  if (s.size() > max_len) s = s.substr(0, max_len) + "...";
  for (char& c : s)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) c = ' ';  // one line, no terminal controls
  return s;
}

std::string GgufFile::value_to_string(const std::string& key, std::size_t max_len) const {
  const Value* v = find(key);
  return v == nullptr ? std::string() : value_to_string(*v, max_len);
}

}  // namespace llmz::gguf
