#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "kernels/cdf.h"
#include "kernels/dispatch.h"

namespace llmz {
namespace {

void expect_valid(const std::vector<std::uint32_t>& f, int bits) {
  std::uint64_t sum = 0;
  for (std::uint32_t v : f) {
    ASSERT_GE(v, 1u);
    sum += v;
  }
  EXPECT_EQ(sum, std::uint64_t{1} << bits);
}

TEST(Cdf, ValidBitsRange) {
  EXPECT_TRUE(kern::cdf_bits_valid(24, 49152));
  EXPECT_FALSE(kern::cdf_bits_valid(16, 49152));  // 2^16 < 2 * 49152
  EXPECT_TRUE(kern::cdf_bits_valid(31, 49152));
  EXPECT_FALSE(kern::cdf_bits_valid(32, 49152));
}

TEST(Cdf, SumsExactlyAndEveryTokenCodable) {
  std::mt19937 rng(1);
  std::normal_distribution<float> logit(0.0f, 4.0f);
  for (int bits : {17, 20, 24, 28, 31}) {
    const int vocab = 49152;
    std::vector<float> l(vocab);
    for (float& v : l) v = logit(rng);
    std::vector<std::uint32_t> f(vocab);
    std::vector<std::uint64_t> scratch(vocab);
    kern::logits_to_frequencies(l.data(), vocab, bits, f.data(), scratch.data());
    expect_valid(f, bits);
  }
}

TEST(Cdf, EveryKernelSetsExpGivesTheSameTable) {
  std::mt19937 rng(2);
  std::normal_distribution<float> logit(0.0f, 6.0f);
  for (int vocab : {1, 255, 256, 257, 49152}) {  // every chunk tail
    std::vector<float> l(vocab);
    for (float& v : l) v = logit(rng);
    std::vector<std::uint32_t> want(vocab), got(vocab);
    std::vector<std::uint64_t> scratch(vocab);
    const int bits = vocab < 16 ? 8 : 24;
    kern::logits_to_frequencies(l.data(), vocab, bits, want.data(), scratch.data());
    for (const kern::KernelSet* s : kern::available_kernel_sets()) {
      kern::logits_to_frequencies(l.data(), vocab, bits, got.data(), scratch.data(), s->exp_array);
      EXPECT_TRUE(got == want) << s->name << " vocab " << vocab;
    }
  }
}

TEST(Cdf, ExtremeDistributions) {
  const int vocab = 1000;
  std::vector<float> l(vocab, -1000.0f);
  l[7] = 1000.0f;  // one token takes everything it can: 2^K - (vocab - 1)
  std::vector<std::uint32_t> f(vocab);
  std::vector<std::uint64_t> scratch(vocab);
  kern::logits_to_frequencies(l.data(), vocab, 20, f.data(), scratch.data());
  expect_valid(f, 20);
  EXPECT_EQ(f[7], (1u << 20) - (vocab - 1));
  // Uniform logits: equal shares, remainder to the first token.
  std::fill(l.begin(), l.end(), 3.0f);
  kern::logits_to_frequencies(l.data(), vocab, 20, f.data(), scratch.data());
  expect_valid(f, 20);
  for (int i = 2; i < vocab; ++i) EXPECT_EQ(f[i], f[1]);
  EXPECT_GE(f[0], f[1]);
  // Non-finite logits still give a valid table.
  l[3] = NAN;
  l[0] = NAN;
  kern::logits_to_frequencies(l.data(), vocab, 20, f.data(), scratch.data());
  expect_valid(f, 20);
  std::fill(l.begin(), l.end(), INFINITY);
  kern::logits_to_frequencies(l.data(), vocab, 20, f.data(), scratch.data());
  expect_valid(f, 20);
}

TEST(Cdf, QuantisationCostIsSmall) {
  // Cross-entropy of the integer table vs the exact softmax, on a peaked distribution.
  std::mt19937 rng(2);
  std::normal_distribution<float> logit(0.0f, 3.0f);
  const int vocab = 49152;
  std::vector<float> l(vocab);
  for (float& v : l) v = logit(rng);
  l[5] = 20.0f;
  std::vector<std::uint32_t> f(vocab);
  std::vector<std::uint64_t> scratch(vocab);
  kern::logits_to_frequencies(l.data(), vocab, 24, f.data(), scratch.data());
  double z = 0;
  for (float v : l) z += std::exp(static_cast<double>(v) - 20.0);
  double excess = 0;  // expected extra bits under the exact distribution
  for (int i = 0; i < vocab; ++i) {
    const double p = std::exp(static_cast<double>(l[i]) - 20.0) / z;
    const double q = f[i] / 16777216.0;
    excess += p * std::log2(p / q);
  }
  EXPECT_LT(excess, 0.01);
}

}  // namespace
}  // namespace llmz
