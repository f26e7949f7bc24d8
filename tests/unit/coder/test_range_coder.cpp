#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <random>
#include <vector>

#include "coder/range_coder.h"

namespace llmz {
namespace {

// A frequency table summing to 2^bits with every entry >= 1.
std::vector<std::uint32_t> random_table(std::mt19937& rng, int vocab, int bits, double skew) {
  std::vector<double> w(vocab);
  std::exponential_distribution<double> ex(1.0);
  for (double& x : w) x = std::pow(ex(rng), skew);
  double sum = 0;
  for (double x : w) sum += x;
  const std::uint64_t total = std::uint64_t{1} << bits;
  std::vector<std::uint32_t> f(vocab);
  std::uint64_t used = 0;
  for (int i = 0; i < vocab; ++i) {
    f[i] = 1 + static_cast<std::uint32_t>(w[i] / sum * static_cast<double>(total - vocab));
    used += f[i];
  }
  f[0] += static_cast<std::uint32_t>(total - used);
  return f;
}

struct Coded {
  std::vector<std::uint8_t> bytes;
  double ideal_bits = 0;
};

// Encodes symbols drawn from per-step tables; returns bytes and the ideal code length.
Coded encode_all(const std::vector<std::vector<std::uint32_t>>& tables, const std::vector<int>& symbols, int bits,
                 coder::Flush rule = coder::Flush::shortest) {
  Coded c;
  coder::Encoder e;
  coder::encoder_init(e, c.bytes);
  for (std::size_t i = 0; i < symbols.size(); ++i) {
    const auto& f = tables[i % tables.size()];
    std::uint32_t cum = 0;
    for (int s = 0; s < symbols[i]; ++s) cum += f[s];
    coder::encode(e, cum, f[symbols[i]], bits);
    c.ideal_bits -= std::log2(static_cast<double>(f[symbols[i]]) / std::ldexp(1.0, bits));
  }
  coder::encoder_finish(e, rule);
  return c;
}

std::vector<int> decode_all(const std::vector<std::vector<std::uint32_t>>& tables, std::span<const std::uint8_t> bytes,
                            std::size_t n, int bits, bool* clean_end = nullptr,
                            coder::Flush rule = coder::Flush::shortest) {
  coder::Decoder d;
  coder::decoder_init(d, bytes);
  std::vector<int> out;
  for (std::size_t i = 0; i < n; ++i) {
    const auto& f = tables[i % tables.size()];
    const std::uint32_t target = coder::decode_target(d, bits);
    std::uint32_t cum = 0;
    int s = 0;
    while (cum + f[s] <= target) cum += f[s++];
    coder::decode_advance(d, cum, f[s], bits);
    out.push_back(s);
  }
  if (clean_end != nullptr) *clean_end = coder::decoder_at_clean_end(d, rule);
  return out;
}

TEST(RangeCoder, RoundTripsAndCostsWithinAHundredthOfABitPerSymbol) {
  std::mt19937 rng(3);
  for (int bits : {16, 20, 24, 28, 31}) {
    for (double skew : {0.5, 3.0, 12.0}) {
      const int vocab = 300;
      std::vector<std::vector<std::uint32_t>> tables;
      for (int t = 0; t < 7; ++t) tables.push_back(random_table(rng, vocab, bits, skew));
      std::vector<int> symbols(20000);
      for (std::size_t i = 0; i < symbols.size(); ++i) {
        // Draw from the table itself so the stream is typical.
        const auto& f = tables[i % tables.size()];
        std::uint64_t x = rng() % (std::uint64_t{1} << bits);
        int s = 0;
        while (x >= f[s]) x -= f[s++];
        symbols[i] = s;
      }
      const Coded c = encode_all(tables, symbols, bits);
      EXPECT_EQ(decode_all(tables, c.bytes, symbols.size(), bits), symbols) << bits << " " << skew;
      // Everything counts, the flush included.
      const double overhead = (8.0 * static_cast<double>(c.bytes.size()) - c.ideal_bits) / symbols.size();
      EXPECT_LT(overhead, 0.01) << "bits " << bits << " skew " << skew;
      RecordProperty("overhead_bits_" + std::to_string(bits), std::to_string(overhead));
      if (bits == 24) std::printf("K=%d skew %.1f: %.6f bits/symbol over ideal\n", bits, skew, overhead);
    }
  }
}

TEST(RangeCoder, ExtremeDistributions) {
  // One token holds 2^K - V + 1, every other exactly 1 (the largest skew the CDF allows).
  const int bits = 24, vocab = 49152;
  std::vector<std::uint32_t> f(vocab, 1);
  f[123] = (1u << bits) - (vocab - 1);
  const std::vector<std::vector<std::uint32_t>> tables{f};
  std::vector<int> symbols(5000, 123);
  for (int i = 0; i < 5000; i += 97) symbols[i] = (i * 31) % vocab;  // rare ones, first and last
  symbols.back() = vocab - 1;
  symbols.front() = 0;
  const Coded c = encode_all(tables, symbols, bits);
  EXPECT_EQ(decode_all(tables, c.bytes, symbols.size(), bits), symbols);
  EXPECT_LT(8.0 * static_cast<double>(c.bytes.size()), c.ideal_bits + 16);
}

TEST(RangeCoder, ShortestFlushCostsAtMostTwoBytesOverTheIdeal) {
  std::mt19937 rng(5);
  const int bits = 24;
  const std::vector<std::vector<std::uint32_t>> tables{random_table(rng, 700, bits, 2.0)};
  double worst = 0;
  for (int n : {1, 2, 3, 10, 57, 400}) {
    for (int round = 0; round < 20; ++round) {
      std::vector<int> symbols(static_cast<std::size_t>(n));
      for (int& s : symbols) s = static_cast<int>(rng() % 700);
      const Coded c = encode_all(tables, symbols, bits);
      bool clean = false;
      EXPECT_EQ(decode_all(tables, c.bytes, symbols.size(), bits, &clean), symbols);
      EXPECT_TRUE(clean);
      worst = std::max(worst, 8.0 * static_cast<double>(c.bytes.size()) - c.ideal_bits);
    }
  }
  EXPECT_LE(worst, 16.0);
}

TEST(RangeCoder, CleanEndCatchesEveryByteChangeAddedOrMissingByte) {
  std::mt19937 rng(12);
  const int bits = 24;
  const std::vector<std::vector<std::uint32_t>> tables{random_table(rng, 500, bits, 2.0)};
  for (coder::Flush rule : {coder::Flush::shortest, coder::Flush::full8}) {
    for (int n : {1, 5, 300}) {
      std::vector<int> symbols(static_cast<std::size_t>(n));
      for (int& s : symbols) s = static_cast<int>(rng() % 500);
      const Coded c = encode_all(tables, symbols, bits, rule);
      bool clean = false;
      EXPECT_EQ(decode_all(tables, c.bytes, symbols.size(), bits, &clean, rule), symbols);
      EXPECT_TRUE(clean);
      std::vector<std::vector<std::uint8_t>> variants;
      for (std::size_t i = 0; i < c.bytes.size(); ++i) {
        for (std::uint8_t flip : {0x01, 0x10, 0x80}) {
          variants.push_back(c.bytes);
          variants.back()[i] ^= flip;
        }
      }
      if (!c.bytes.empty()) variants.emplace_back(c.bytes.begin(), c.bytes.end() - 1);
      for (std::uint8_t extra : {0x00, 0x01, 0xFF}) {
        variants.push_back(c.bytes);
        variants.back().push_back(extra);
      }
      for (const auto& bad : variants) {
        bool bad_clean = true;
        const auto out = decode_all(tables, bad, symbols.size(), bits, &bad_clean, rule);
        EXPECT_TRUE(out != symbols || !bad_clean) << "a change of " << n << " symbols' stream went unnoticed";
      }
    }
  }
}

TEST(RangeCoder, EmptyStreamIsEmptyOrEightBytes) {
  for (coder::Flush rule : {coder::Flush::shortest, coder::Flush::full8}) {
    std::vector<std::uint8_t> out;
    coder::Encoder e;
    coder::encoder_init(e, out);
    coder::encoder_finish(e, rule);
    EXPECT_EQ(out.size(), rule == coder::Flush::full8 ? 8u : 0u);
    coder::Decoder d;
    coder::decoder_init(d, out);
    EXPECT_TRUE(coder::decoder_at_clean_end(d, rule));
  }
}

TEST(RangeCoder, GarbageAndShortInputNeverMisbehave) {
  std::mt19937 rng(9);
  const int bits = 24;
  const std::vector<std::vector<std::uint32_t>> tables{random_table(rng, 1000, bits, 2.0)};
  for (int round = 0; round < 50; ++round) {
    std::vector<std::uint8_t> junk(rng() % 40);
    for (auto& b : junk) b = static_cast<std::uint8_t>(rng());
    const auto out = decode_all(tables, junk, 500, bits);  // must terminate with valid symbols
    EXPECT_EQ(out.size(), 500u);
    for (int s : out) EXPECT_LT(s, 1000);
  }
}

}  // namespace
}  // namespace llmz
