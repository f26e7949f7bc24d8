// LZMA2 frames (classic/lzma_block.h): round trips, and exactness of what the decoder accepts.
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "classic/lzma_block.h"

namespace llmz {
namespace {

std::vector<std::uint8_t> sample(std::size_t n) {
  std::vector<std::uint8_t> v(n);
  std::mt19937 rng(3);
  for (std::size_t i = 0; i < n; ++i) v[i] = i % 3 == 0 ? static_cast<std::uint8_t>(rng() % 4) : static_cast<std::uint8_t>(i >> 6);
  return v;
}

TEST(Lzma2, RoundTripsAndShrinksStructuredData) {
  for (std::size_t n : {std::size_t{1}, std::size_t{100}, std::size_t{70000}, std::size_t{300000}}) {
    const auto in = sample(n);
    auto packed = classic::lzma2_compress(in, 1u << 20);
    ASSERT_TRUE(packed.ok()) << packed.error().message();
    if (n >= 70000) {
      EXPECT_LT(packed.value().size(), n / 2);
    }
    std::vector<std::uint8_t> out(n);
    ASSERT_FALSE(classic::lzma2_decompress(packed.value(), 1u << 20, out)) << n;
    EXPECT_EQ(out, in);
  }
}

TEST(Lzma2, TheSizeMustBeExactAndNothingMayFollow) {
  const auto in = sample(5000);
  const auto packed = classic::lzma2_compress(in, 4096).value();
  std::vector<std::uint8_t> shorter(4999), longer(5001), exact(5000);
  EXPECT_EQ(classic::lzma2_decompress(packed, 4096, shorter).status, Status::corrupt_data);
  EXPECT_EQ(classic::lzma2_decompress(packed, 4096, longer).status, Status::corrupt_data);
  auto extended = packed;
  extended.push_back(0);
  EXPECT_EQ(classic::lzma2_decompress(extended, 4096, exact).status, Status::corrupt_data);
  const std::vector<std::uint8_t> cut(packed.begin(), packed.end() - 1);
  EXPECT_EQ(classic::lzma2_decompress(cut, 4096, exact).status, Status::corrupt_data);
  EXPECT_FALSE(classic::lzma2_decompress(packed, 4096, exact));
}

TEST(Lzma2, GarbageAndBadArgumentsAreErrors) {
  std::mt19937 rng(8);
  std::vector<std::uint8_t> out(1000);
  for (int round = 0; round < 200; ++round) {
    std::vector<std::uint8_t> junk(rng() % 64);
    for (auto& b : junk) b = static_cast<std::uint8_t>(rng());
    (void)classic::lzma2_decompress(junk, 4096, out);  // an error or, rarely, valid: never a crash
  }
  EXPECT_EQ(classic::lzma2_compress(sample(10), 100).status(), Status::invalid_argument);
  EXPECT_EQ(classic::lzma2_decompress(std::vector<std::uint8_t>{1, 2}, 100, out).status, Status::invalid_argument);
}

}  // namespace
}  // namespace llmz
