// tokenize_tool: our tokenizer, for the Python tests.
//
//   tokenize_tool encode MODEL FILE OUT.bin   writes the ids of FILE as int32 little-endian
//   tokenize_tool decode MODEL IDS.bin OUT    writes the bytes the ids stand for
//   tokenize_tool pretokenize MODEL FILE OUT.bin   writes the pre-token byte lengths as uint32 LE
// Exit status 1 with "tokenize_tool: <message>" on stderr on failure.
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "common/byte_reader.h"
#include "gguf/gguf.h"
#include "tokenizer/tokenizer_gguf.h"

namespace {

int fail(const std::string& m) {
  std::fprintf(stderr, "tokenize_tool: %s\n", m.c_str());
  return 1;
}

bool slurp(const std::string& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  out.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 5) return fail("usage: tokenize_tool encode|decode|pretokenize MODEL IN OUT");
  const std::string cmd = argv[1];
  auto file = llmz::gguf::GgufFile::open(argv[2]);
  if (!file.ok()) return fail(file.error().message());
  auto tok = llmz::tokenizer_from_gguf(file.value());
  if (!tok.ok()) return fail(tok.error().message());
  std::string in;
  if (!slurp(argv[3], in)) return fail(std::string("cannot read ") + argv[3]);
  std::ofstream out(argv[4], std::ios::binary);
  if (cmd == "encode") {
    const auto ids = tok.value().encode(
        std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(in.data()), in.size()));
    std::vector<std::uint8_t> bytes(ids.size() * 4);
    for (std::size_t i = 0; i < ids.size(); ++i) llmz::store_le32(bytes.data() + 4 * i, static_cast<std::uint32_t>(ids[i]));
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  } else if (cmd == "pretokenize") {
    std::vector<std::uint32_t> lengths;
    tok.value().pre_tokenize(
        std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(in.data()), in.size()), lengths);
    std::vector<std::uint8_t> bytes(lengths.size() * 4);
    for (std::size_t i = 0; i < lengths.size(); ++i) llmz::store_le32(bytes.data() + 4 * i, lengths[i]);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  } else if (cmd == "decode") {
    std::vector<std::int32_t> ids(in.size() / 4);
    for (std::size_t i = 0; i < ids.size(); ++i)
      ids[i] = static_cast<std::int32_t>(llmz::load_le32(reinterpret_cast<const std::uint8_t*>(in.data()) + 4 * i));
    const std::string text = tok.value().decode(ids);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
  } else {
    return fail("unknown command " + cmd);
  }
  return out.good() ? 0 : fail(std::string("cannot write ") + argv[4]);
}
