// context_probe: which start-of-frame context costs the fewest bits (the measurement behind the
// format's context policy 0, docs/frames.md). For frames cut every 8 KiB from each given file,
// it codes the first N tokens after each candidate context and prints bits per frame start.
//
//   context_probe [--tokens N] [--frames F] FILE...
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "common/model_locator.h"
#include "model/engine.h"
#include "model/model.h"
#include "tokenizer/tokenizer_gguf.h"

namespace {

struct Candidate {
  const char* name;
  std::vector<std::int32_t> special;  // control tokens first
  std::string text;                   // then this text, tokenized
};

}  // namespace

int main(int argc, char** argv) {
  int n_tokens = 256, frames_per_file = 5;
  std::vector<std::string> files;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--tokens" && i + 1 < argc) n_tokens = std::atoi(argv[++i]);
    else if (a == "--frames" && i + 1 < argc) frames_per_file = std::atoi(argv[++i]);
    else files.push_back(a);
  }
  auto path = llmz::locate_model("");
  if (!path.ok()) return std::fprintf(stderr, "%s\n", path.error().message().c_str()), 1;
  auto model = llmz::Model::load(path.value());
  if (!model.ok()) return std::fprintf(stderr, "%s\n", model.error().message().c_str()), 1;
  auto tok = llmz::tokenizer_from_gguf(model.value()->gguf());
  if (!tok.ok()) return 1;
  auto engine = llmz::Engine::create(*model.value(), llmz::EngineOptions{});
  if (!engine.ok()) return 1;
  llmz::Engine& e = *engine.value();
  const int vocab = e.vocab();
  const std::vector<Candidate> candidates{
      {"<|endoftext|>", {0}, ""},
      {"<|im_start|>", {1}, ""},
      {"<|endoftext|> + newline", {0}, "\n"},
      {"<|im_start|>user + newline", {1}, "user\n"},
      {"<|im_start|>assistant + newline", {1}, "assistant\n"},
  };
  std::vector<double> total(candidates.size(), 0.0);
  int starts = 0;
  for (const std::string& file : files) {
    std::ifstream in(file, std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    for (int f = 0; f < frames_per_file && static_cast<std::size_t>(f) * 8192 < bytes.size(); ++f) {
      const std::string frame = bytes.substr(static_cast<std::size_t>(f) * 8192, 4096);
      std::vector<std::int32_t> text = tok.value().encode(std::span<const std::uint8_t>(
          reinterpret_cast<const std::uint8_t*>(frame.data()), frame.size()));
      if (text.size() > static_cast<std::size_t>(n_tokens)) text.resize(static_cast<std::size_t>(n_tokens));
      ++starts;
      for (std::size_t c = 0; c < candidates.size(); ++c) {
        std::vector<std::int32_t> inputs = candidates[c].special;
        const auto prefix = tok.value().encode(std::span<const std::uint8_t>(
            reinterpret_cast<const std::uint8_t*>(candidates[c].text.data()), candidates[c].text.size()));
        inputs.insert(inputs.end(), prefix.begin(), prefix.end());
        const std::size_t first = inputs.size() - 1;  // this row predicts text[0]
        inputs.insert(inputs.end(), text.begin(), text.end() - 1);
        llmz::Sequence seq(e.model().config(), static_cast<int>(inputs.size()));
        std::vector<std::uint32_t> freqs(inputs.size() * static_cast<std::size_t>(vocab));
        if (e.prefill(seq, inputs, freqs) != llmz::Status::ok) return 1;
        double bits = 0;
        for (std::size_t i = 0; i < text.size(); ++i)
          bits -= std::log2(freqs[(first + i) * vocab + text[i]] / std::ldexp(1.0, e.cdf_bits()));
        total[c] += bits;
      }
    }
  }
  std::printf("| start-of-frame context | bits for the first %d tokens, mean over %d frame starts |\n|---|---|\n", n_tokens, starts);
  for (std::size_t c = 0; c < candidates.size(); ++c) std::printf("| %s | %.1f |\n", candidates[c].name, total[c] / starts);
  return 0;
}
