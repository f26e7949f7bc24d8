// libFuzzer target: the GGUF reader on arbitrary bytes must return an error or a file whose
// metadata and tensors can all be read, never crash, hang or over-allocate. A parsed file is
// walked completely: every getter and value_to_string on every key (string views touched byte by
// byte, so ASan sees any view past the input), the tensor invariants the reader promises, and
// the first and last row of each tensor dequantised (rows of at most 65536 elements).
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "gguf/dequantize.h"
#include "gguf/gguf.h"

namespace {

[[noreturn]] void broken() { __builtin_trap(); }

std::uint32_t touch(std::string_view s) {
  std::uint32_t h = 0;
  for (char c : s) h = h * 31 + static_cast<unsigned char>(c);
  return h;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto file = llmz::gguf::GgufFile::parse(std::span<const std::uint8_t>(data, size));
  if (!file.ok()) {
    if (file.error().detail.empty()) broken();  // every error says what is wrong
    return 0;
  }
  const llmz::gguf::GgufFile& f = file.value();
  if (f.version() != 2 && f.version() != 3) broken();
  if (f.alignment() == 0 || (f.alignment() & (f.alignment() - 1)) != 0) broken();
  volatile std::uint32_t sink = 0;
  for (const auto& [key, value] : f.metadata()) {
    if (f.find(key) != &value) broken();
    (void)f.get_u64(key);
    (void)f.get_i64(key);
    (void)f.get_f64(key);
    (void)f.get_bool(key);
    if (auto s = f.get_string(key); s.ok()) sink = sink + touch(s.value());
    if (auto a = f.get_i32_array(key); a.ok() && a.value().size() != value.count) broken();
    if (auto a = f.get_f32_array(key); a.ok() && a.value().size() != value.count) broken();
    if (auto arr = f.get_string_array(key); arr.ok()) {
      if (arr.value().size() != value.count) broken();
      for (std::size_t i = 0; i < arr.value().size(); ++i) sink = sink + touch(arr.value()[i]);
    }
    if (f.value_to_string(value).size() > 83 || f.value_to_string(value, 4).size() > 7) broken();
  }
  std::vector<float> row;
  for (const auto& t : f.tensors()) {
    if (f.find_tensor(t.name) != &t) broken();
    if (t.n_dims < 1 || t.n_dims > 4 || t.n_rows * t.ne[0] != t.n_elements || t.n_rows * t.row_bytes != t.n_bytes) broken();
    if (t.offset_in_file % f.alignment() != 0 || t.offset_in_file > size || t.n_bytes > size - t.offset_in_file ||
        t.data != data + t.offset_in_file)
      broken();
    if (t.ne[0] > 65536) continue;
    row.resize(t.ne[0]);
    for (const std::uint64_t r : {std::uint64_t{0}, t.n_rows - 1})
      if (llmz::gguf::dequantize_row(t.type, t.data + r * t.row_bytes, row.data(), t.ne[0]) != llmz::Status::ok) broken();
  }
  return 0;
}
