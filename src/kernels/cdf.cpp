#include "kernels/cdf.h"

#include "kernels/detmath.h"

namespace llmz::kern {

bool cdf_bits_valid(int cdf_bits, int vocab) noexcept {
  return vocab > 0 && cdf_bits <= kMaxCdfBits && cdf_bits >= 2 &&
         (std::uint64_t{1} << cdf_bits) >= 2 * static_cast<std::uint64_t>(vocab);
}

void logits_to_frequencies(const float* logits, int vocab, int cdf_bits, std::uint32_t* freqs,
                           std::uint64_t* scratch) noexcept {
  int argmax = 0;
  float max_logit = logits[0];
  for (int i = 1; i < vocab; ++i) {
    if (logits[i] > max_logit) {
      max_logit = logits[i];
      argmax = i;
    }
  }
  std::uint64_t total = 0;
  for (int i = 0; i < vocab; ++i) {
    const float e = det::exp(logits[i] - max_logit);
    scratch[i] = static_cast<std::uint64_t>(e * 4294967296.0f);
    total += scratch[i];
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
