// engine_speed: tokens/s of the engine for prefill and lock-step decoding, one JSON line per case.
//
//   engine_speed [--model PATH] [--threads N] [--prefill 512,2048] [--decode 1,8,32] [--steps S]
// Token ids are taken from the bytes of a corpus text (their content does not change the work).
// Each JSON line: {"case": "prefill"|"decode", "n": ..., "threads": ..., "tokens_per_s": ...,
// "kernels": ..., "peak_rss_mb": ...}.
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "common/model_locator.h"
#include "model/engine.h"
#include "model/model.h"

namespace {

std::vector<int> parse_list(const std::string& s) {
  std::vector<int> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ',')) out.push_back(std::stoi(item));
  return out;
}

double peak_rss_mb() {
  struct rusage ru {};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_maxrss) / 1024.0;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
  std::string model_arg;
  int threads = 0, steps = 32;
  std::vector<int> prefill_sizes{512, 2048}, decode_batches{1, 8, 32};
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i], v = argv[i + 1];
    if (a == "--model") model_arg = v;
    else if (a == "--threads") threads = std::stoi(v);
    else if (a == "--prefill") prefill_sizes = parse_list(v);
    else if (a == "--decode") decode_batches = parse_list(v);
    else if (a == "--steps") steps = std::stoi(v);
  }
  auto path = llmz::locate_model(model_arg);
  if (!path.ok()) return std::fprintf(stderr, "engine_speed: %s\n", path.error().message().c_str()), 1;
  auto model = llmz::Model::load(path.value());
  if (!model.ok()) return std::fprintf(stderr, "engine_speed: %s\n", model.error().message().c_str()), 1;
  const llmz::ModelConfig& c = model.value()->config();
  llmz::EngineOptions opt;
  opt.threads = threads;
  auto engine = llmz::Engine::create(*model.value(), opt);
  if (!engine.ok()) return std::fprintf(stderr, "engine_speed: %s\n", engine.error().message().c_str()), 1;
  llmz::Engine& e = *engine.value();

  std::ifstream in(std::string(LLMZ_SOURCE_DIR) + "/../shared/corpus/alice29.txt", std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (text.size() < 8192) text.resize(8192, 'a');
  auto token_at = [&](std::size_t i) { return static_cast<std::int32_t>(static_cast<unsigned char>(text[i % text.size()]) + 300); };

  std::vector<std::uint32_t> freqs;
  for (int n : prefill_sizes) {
    std::vector<std::int32_t> ids(n);
    for (int i = 0; i < n; ++i) ids[i] = token_at(i);
    llmz::Sequence seq(c, n);
    freqs.assign(static_cast<std::size_t>(n) * c.vocab, 0);
    const auto t0 = std::chrono::steady_clock::now();
    if (e.prefill(seq, ids, freqs) != llmz::Status::ok) return 1;
    const double s = seconds_since(t0);
    std::printf("{\"case\": \"prefill\", \"n\": %d, \"threads\": %d, \"tokens_per_s\": %.1f, \"kernels\": \"%s\", \"peak_rss_mb\": %.0f}\n",
                n, e.threads(), n / s, e.kernel_name(), peak_rss_mb());
    std::fflush(stdout);
  }
  for (int b : decode_batches) {
    // Each sequence first gets a 64-token context, then `steps` lock-step steps.
    const int context = 64;
    std::vector<std::unique_ptr<llmz::Sequence>> seqs;
    std::vector<llmz::Sequence*> ptrs;
    freqs.assign(static_cast<std::size_t>(std::max(b, context)) * c.vocab, 0);
    for (int s = 0; s < b; ++s) {
      seqs.push_back(std::make_unique<llmz::Sequence>(c, context + steps));
      ptrs.push_back(seqs.back().get());
      std::vector<std::int32_t> ids(context);
      for (int i = 0; i < context; ++i) ids[i] = token_at(static_cast<std::size_t>(s) * 977 + i);
      if (e.prefill(*seqs.back(), ids, std::span<std::uint32_t>(freqs.data(), static_cast<std::size_t>(context) * c.vocab)) !=
          llmz::Status::ok)
        return 1;
    }
    std::vector<std::int32_t> step_ids(b);
    const auto t0 = std::chrono::steady_clock::now();
    for (int k = 0; k < steps; ++k) {
      for (int s = 0; s < b; ++s) step_ids[s] = token_at(static_cast<std::size_t>(s) * 977 + context + k);
      if (e.step(ptrs, step_ids, std::span<std::uint32_t>(freqs.data(), static_cast<std::size_t>(b) * c.vocab)) !=
          llmz::Status::ok)
        return 1;
    }
    const double s = seconds_since(t0);
    std::printf("{\"case\": \"decode\", \"n\": %d, \"threads\": %d, \"tokens_per_s\": %.1f, \"kernels\": \"%s\", \"peak_rss_mb\": %.0f}\n",
                b, e.threads(), static_cast<double>(b) * steps / s, e.kernel_name(), peak_rss_mb());
    std::fflush(stdout);
  }
  return 0;
}
