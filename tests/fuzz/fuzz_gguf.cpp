// libFuzzer target: the GGUF reader on arbitrary bytes must return an error or a file whose
// metadata and tensors can all be read, never crash, hang or over-allocate.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "gguf/dequantize.h"
#include "gguf/gguf.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto file = llmz::gguf::GgufFile::parse(std::span<const std::uint8_t>(data, size));
  if (!file.ok()) return 0;
  const llmz::gguf::GgufFile& f = file.value();
  for (const auto& [key, value] : f.metadata()) {
    (void)f.get_u64(key);
    (void)f.get_i64(key);
    (void)f.get_f64(key);
    (void)f.get_bool(key);
    (void)f.get_string(key);
    (void)f.get_i32_array(key);
    (void)f.get_f32_array(key);
    auto arr = f.get_string_array(key);
    if (arr.ok())
      for (std::size_t i = 0; i < arr.value().size(); ++i) (void)arr.value()[i].size();
    (void)f.value_to_string(value);
  }
  std::vector<float> row;
  for (const auto& t : f.tensors()) {
    if (t.ne[0] > 65536) continue;
    row.resize(t.ne[0]);
    if (llmz::gguf::dequantize_row(t.type, t.data, row.data(), t.ne[0]) != llmz::Status::ok) __builtin_trap();
  }
  return 0;
}
