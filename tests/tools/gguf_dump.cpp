// gguf_dump: a window into the GGUF reader for the Python tests.
//
//   gguf_dump info FILE                 version, alignment, metadata (key, type, value) and tensors
//   gguf_dump dequant FILE TENSOR OUT   writes the tensor dequantised as float32 little-endian
// Exit status 1 with "gguf_dump: <status_name>: <detail>" on stderr for a bad file.
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "common/byte_reader.h"
#include "gguf/dequantize.h"
#include "gguf/gguf.h"

namespace {

int fail(const llmz::Error& e) {
  std::fprintf(stderr, "gguf_dump: %s: %s\n", llmz::status_name(e.status), e.detail.c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: gguf_dump info FILE | gguf_dump dequant FILE TENSOR OUT\n");
    return 2;
  }
  const std::string cmd = argv[1];
  auto file = llmz::gguf::GgufFile::open(argv[2]);
  if (!file.ok()) return fail(file.error());
  const llmz::gguf::GgufFile& f = file.value();
  if (cmd == "info") {
    std::printf("version %u\nalignment %llu\nmetadata %zu\ntensors %zu\n", f.version(),
                static_cast<unsigned long long>(f.alignment()), f.metadata().size(), f.tensors().size());
    for (const auto& [key, value] : f.metadata())
      std::printf("kv %s %s %s\n", key.c_str(), llmz::gguf::value_type_name(value.type), f.value_to_string(value).c_str());
    for (const auto& t : f.tensors()) {
      std::printf("tensor %s %s", t.name.c_str(), llmz::gguf::tensor_type_name(t.type));
      for (std::uint32_t d = 0; d < t.n_dims; ++d) std::printf(" %llu", static_cast<unsigned long long>(t.ne[d]));
      std::printf(" @%llu\n", static_cast<unsigned long long>(t.offset_in_file));
    }
    return 0;
  }
  if (cmd == "dequant" && argc == 5) {
    const llmz::gguf::TensorInfo* t = f.find_tensor(argv[3]);
    if (t == nullptr) return fail(llmz::Error(llmz::Status::missing_key, std::string("no tensor ") + argv[3]));
    std::vector<float> row(t->ne[0]);
    std::vector<std::uint8_t> bytes(t->ne[0] * 4);
    std::ofstream out(argv[4], std::ios::binary);
    for (std::uint64_t r = 0; r < t->n_rows; ++r) {
      const llmz::Status s = llmz::gguf::dequantize_row(t->type, t->data + r * t->row_bytes, row.data(), t->ne[0]);
      if (s != llmz::Status::ok) return fail(llmz::Error(s, "dequantisation failed"));
      for (std::uint64_t i = 0; i < t->ne[0]; ++i) {
        std::uint32_t bits;
        std::memcpy(&bits, &row[i], 4);
        llmz::store_le32(bytes.data() + 4 * i, bits);
      }
      out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    }
    return out.good() ? 0 : fail(llmz::Error(llmz::Status::io_error, std::string("cannot write ") + argv[4]));
  }
  std::fprintf(stderr, "gguf_dump: unknown command\n");
  return 2;
}
