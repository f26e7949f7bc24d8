// Cost of turning one row of logits into the coder's frequency table (vocabulary 49152, the
// default model's), per token: paid for every position when compressing and every step of every
// stream when decompressing.
#include <benchmark/benchmark.h>

#include <random>
#include <vector>

#include "kernels/cdf.h"
#include "kernels/dispatch.h"

namespace {

// Argument: index into kern::available_kernel_sets() (whose exp the table uses).
void BM_LogitsToFrequencies(benchmark::State& state) {
  const auto sets = llmz::kern::available_kernel_sets();
  if (state.range(0) >= static_cast<std::int64_t>(sets.size())) {
    state.SkipWithError("kernel set not available on this CPU");
    return;
  }
  const llmz::kern::KernelSet& set = *sets[static_cast<std::size_t>(state.range(0))];
  state.SetLabel(set.name);
  const int vocab = 49152;
  std::mt19937 rng(1);
  std::normal_distribution<float> logit(0.0f, 3.0f);
  std::vector<float> logits(vocab);
  for (float& v : logits) v = logit(rng);
  std::vector<std::uint32_t> freqs(vocab);
  std::vector<std::uint64_t> scratch(vocab);
  for (auto _ : state) {
    llmz::kern::logits_to_frequencies(logits.data(), vocab, 24, freqs.data(), scratch.data(), set.exp_array);
    benchmark::DoNotOptimize(freqs.data());
  }
  state.SetItemsProcessed(state.iterations());  // tokens
}
BENCHMARK(BM_LogitsToFrequencies)->DenseRange(0, 3)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
