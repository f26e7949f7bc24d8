#include "kernels/cdf.h"

#include <algorithm>

namespace llmz::kern {

bool cdf_bits_valid(int cdf_bits, int vocab) noexcept {
  return vocab > 0 && cdf_bits <= kMaxCdfBits && cdf_bits >= 2 &&
         (std::uint64_t{1} << cdf_bits) >= 2 * static_cast<std::uint64_t>(vocab);
}

void logits_to_frequencies(const float* logits, int vocab, int cdf_bits, std::uint32_t* freqs,
                           std::uint64_t* scratch, ExpArrayFn exp_array) noexcept {
  int argmax = 0;
  float max_logit = logits[0];
  for (int i = 1; i < vocab; ++i) {
    if (logits[i] > max_logit) {
      max_logit = logits[i];
      argmax = i;
    }
  }
  std::uint64_t total = 0;
  constexpr int kChunk = 256;
  float e[kChunk];
  for (int begin = 0; begin < vocab; begin += kChunk) {
    const int n = std::min(kChunk, vocab - begin);
    for (int k = 0; k < n; ++k) e[k] = logits[begin + k] - max_logit;
    exp_array(e, e, n);
    for (int k = 0; k < n; ++k) {
      scratch[begin + k] = static_cast<std::uint64_t>(e[k] * 4294967296.0f);
      total += scratch[begin + k];
    }
  }
  if (total == 0) {
    // Only reachable with non-finite logits (a broken model): fall back to a uniform table so the
    // coder still gets a valid one; encoder and decoder reach it alike.
    for (int i = 0; i < vocab; ++i) scratch[i] = 1;
    total = static_cast<std::uint64_t>(vocab);
  }
  const std::uint64_t spread = (std::uint64_t{1} << cdf_bits) - static_cast<std::uint64_t>(vocab);
  std::uint64_t used = 0;
  for (int i = 0; i < vocab; ++i) {
    const std::uint64_t f = 1 + scratch[i] * spread / total;
    freqs[i] = static_cast<std::uint32_t>(f);
    used += f;
  }
  freqs[argmax] += static_cast<std::uint32_t>((std::uint64_t{1} << cdf_bits) - used);
}

}  // namespace llmz::kern
