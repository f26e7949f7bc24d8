// engine_dump: writes what the engine predicts for a text, for the Python accuracy tests.
//
//   engine_dump --model PATH --text FILE --tokens-out TOKENS.bin --freqs-out FREQS.bin
//               [--cdf-bits K] [--max-tokens N] [--threads T]
// Tokenizes FILE with our tokenizer, prepends token 0 (<|endoftext|>), keeps at most N ids, and
// writes TOKENS.bin (int32 LE ids) and FREQS.bin (uint32 LE [n-1][vocab]: row i predicts token
// i+1 from tokens 0..i). Prints "cdf_bits=K" on stdout.
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "common/byte_reader.h"
#include "model/engine.h"
#include "model/model.h"
#include "tokenizer/tokenizer_gguf.h"

namespace {

int fail(const std::string& msg) {
  std::fprintf(stderr, "engine_dump: %s\n", msg.c_str());
  return 1;
}

bool write_le32(const std::string& path, const std::vector<std::uint32_t>& values) {
  std::vector<std::uint8_t> bytes(values.size() * 4);
  for (std::size_t i = 0; i < values.size(); ++i) llmz::store_le32(bytes.data() + 4 * i, values[i]);
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  return out.good();
}

}  // namespace

int main(int argc, char** argv) {
  std::string model_path, text_path, tokens_out, freqs_out;
  int cdf_bits = 24, threads = 0;
  long max_tokens = -1;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (i + 1 >= argc) return fail("missing value after " + a);
    const std::string v = argv[++i];
    if (a == "--model") model_path = v;
    else if (a == "--text") text_path = v;
    else if (a == "--tokens-out") tokens_out = v;
    else if (a == "--freqs-out") freqs_out = v;
    else if (a == "--cdf-bits") cdf_bits = std::stoi(v);
    else if (a == "--max-tokens") max_tokens = std::stol(v);
    else if (a == "--threads") threads = std::stoi(v);
    else return fail("unknown option " + a);
  }
  if (model_path.empty() || text_path.empty() || tokens_out.empty() || freqs_out.empty())
    return fail("usage: engine_dump --model PATH --text FILE --tokens-out F --freqs-out F [--cdf-bits K] [--max-tokens N]");
  auto model = llmz::Model::load(model_path);
  if (!model.ok()) return fail(model.error().message());
  auto tok = llmz::tokenizer_from_gguf(model.value()->gguf());
  if (!tok.ok()) return fail(tok.error().message());
  std::ifstream in(text_path, std::ios::binary);
  if (!in) return fail("cannot read " + text_path);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::int32_t> ids{0};
  const auto body = tok.value().encode(
      std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
  ids.insert(ids.end(), body.begin(), body.end());
  if (max_tokens > 0 && static_cast<long>(ids.size()) > max_tokens) ids.resize(static_cast<std::size_t>(max_tokens));

  llmz::EngineOptions opt;
  opt.cdf_bits = cdf_bits;
  opt.threads = threads;
  auto engine = llmz::Engine::create(*model.value(), opt);
  if (!engine.ok()) return fail(engine.error().message());
  const int vocab = model.value()->config().vocab;
  llmz::Sequence seq(model.value()->config(), static_cast<int>(ids.size()));
  std::vector<std::uint32_t> freqs(ids.size() * static_cast<std::size_t>(vocab));
  if (engine.value()->prefill(seq, ids, freqs) != llmz::Status::ok) return fail("engine rejected the input");
  freqs.resize((ids.size() - 1) * static_cast<std::size_t>(vocab));  // the last row predicts nothing known
  std::vector<std::uint32_t> id_words(ids.begin(), ids.end());
  if (!write_le32(tokens_out, id_words) || !write_le32(freqs_out, freqs)) return fail("cannot write output");
  std::printf("cdf_bits=%d\n", cdf_bits);
  return 0;
}
