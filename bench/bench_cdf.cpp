// Cost of turning one row of logits into the coder's frequency table (vocabulary 49152, the
// default model's), per token: paid for every position when compressing and every step of every
// stream when decompressing.
#include <benchmark/benchmark.h>

#include <random>
#include <vector>

#include "kernels/cdf.h"

namespace {

void BM_LogitsToFrequencies(benchmark::State& state) {
  const int vocab = 49152;
  std::mt19937 rng(1);
  std::normal_distribution<float> logit(0.0f, 3.0f);
  std::vector<float> logits(vocab);
  for (float& v : logits) v = logit(rng);
  std::vector<std::uint32_t> freqs(vocab);
  std::vector<std::uint64_t> scratch(vocab);
  for (auto _ : state) {
    llmz::kern::logits_to_frequencies(logits.data(), vocab, 24, freqs.data(), scratch.data());
    benchmark::DoNotOptimize(freqs.data());
  }
  state.SetItemsProcessed(state.iterations());  // tokens
}
BENCHMARK(BM_LogitsToFrequencies)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
