// GgufBuilder: writes small GGUF files in memory for tests and fuzz seeds (little-endian, v3).
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace llmz::testing {

class GgufBuilder {
 public:
  std::uint32_t version = 3;
  std::uint64_t alignment = 32;
  std::vector<std::uint8_t> kv;       // encoded key/value pairs
  std::uint64_t kv_count = 0;
  std::vector<std::uint8_t> tensors;  // encoded tensor infos
  std::uint64_t tensor_count = 0;
  std::vector<std::uint8_t> data;     // tensor data (relative offsets)

  static void put(std::vector<std::uint8_t>& v, std::uint64_t x, int bytes) {
    for (int i = 0; i < bytes; ++i) v.push_back(static_cast<std::uint8_t>(x >> (8 * i)));
  }
  static void put_str(std::vector<std::uint8_t>& v, const std::string& s) {
    put(v, s.size(), 8);
    v.insert(v.end(), s.begin(), s.end());
  }
  void key(const std::string& k, std::uint32_t type) {
    put_str(kv, k);
    put(kv, type, 4);
    ++kv_count;
  }
  GgufBuilder& u32(const std::string& k, std::uint32_t v) { key(k, 4); put(kv, v, 4); return *this; }
  GgufBuilder& i32(const std::string& k, std::int32_t v) { key(k, 5); put(kv, static_cast<std::uint32_t>(v), 4); return *this; }
  GgufBuilder& u64(const std::string& k, std::uint64_t v) { key(k, 10); put(kv, v, 8); return *this; }
  GgufBuilder& f32(const std::string& k, float v) {
    std::uint32_t b;
    std::memcpy(&b, &v, 4);
    key(k, 6);
    put(kv, b, 4);
    return *this;
  }
  GgufBuilder& boolean(const std::string& k, bool v) { key(k, 7); kv.push_back(v ? 1 : 0); return *this; }
  GgufBuilder& str(const std::string& k, const std::string& v) { key(k, 8); put_str(kv, v); return *this; }
  GgufBuilder& str_array(const std::string& k, const std::vector<std::string>& v) {
    key(k, 9);
    put(kv, 8, 4);
    put(kv, v.size(), 8);
    for (const auto& s : v) put_str(kv, s);
    return *this;
  }
  GgufBuilder& i32_array(const std::string& k, const std::vector<std::int32_t>& v) {
    key(k, 9);
    put(kv, 5, 4);
    put(kv, v.size(), 8);
    for (std::int32_t x : v) put(kv, static_cast<std::uint32_t>(x), 4);
    return *this;
  }
  // A tensor of `type` with dims `ne` and raw `bytes` appended to the data section.
  GgufBuilder& tensor(const std::string& name, std::uint32_t type, const std::vector<std::uint64_t>& ne,
                      const std::vector<std::uint8_t>& bytes) {
    while (data.size() % alignment != 0) data.push_back(0);
    put_str(tensors, name);
    put(tensors, ne.size(), 4);
    for (std::uint64_t d : ne) put(tensors, d, 8);
    put(tensors, type, 4);
    put(tensors, data.size(), 8);
    data.insert(data.end(), bytes.begin(), bytes.end());
    ++tensor_count;
    return *this;
  }
  std::vector<std::uint8_t> build() const {
    std::vector<std::uint8_t> out{'G', 'G', 'U', 'F'};
    put(out, version, 4);
    put(out, tensor_count, 8);
    put(out, kv_count, 8);
    out.insert(out.end(), kv.begin(), kv.end());
    out.insert(out.end(), tensors.begin(), tensors.end());
    while (out.size() % alignment != 0) out.push_back(0);
    out.insert(out.end(), data.begin(), data.end());
    return out;
  }
};

}  // namespace llmz::testing
