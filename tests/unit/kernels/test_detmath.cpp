#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>

#include "kernels/detmath.h"

namespace llmz {
namespace {

std::uint32_t bits_of(float f) {
  std::uint32_t b;
  std::memcpy(&b, &f, 4);
  return b;
}

TEST(DetMath, ExpIsAccurate) {
  double worst = 0.0;
  for (float x = -87.0f; x <= 88.0f; x += 0.00731f) {
    const double want = std::exp(static_cast<double>(x));
    const double got = det::exp(x);
    worst = std::max(worst, std::fabs(got - want) / want);
  }
  EXPECT_LT(worst, 4e-7);  // a few ulp of binary32
  EXPECT_EQ(det::exp(0.0f), 1.0f);
  EXPECT_EQ(det::exp(-87.5f), 0.0f);
  EXPECT_EQ(det::exp(-INFINITY), 0.0f);
  EXPECT_EQ(det::exp(NAN), 0.0f);
  EXPECT_TRUE(std::isfinite(det::exp(1000.0f)));
}

TEST(DetMath, ExpBitsAreGolden) {
  // The exact bits of the own exp on a fixed grid: any compiler, flag or platform that changes one
  // bit of the probability path's exp fails here. FNV-1a over the outputs.
  std::uint64_t h = 1469598103934665603ull;
  for (int i = -90000; i <= 90000; i += 7) {
    const float x = static_cast<float>(i) * 0.001f;
    const std::uint32_t b = bits_of(det::exp(x));
    for (int k = 0; k < 4; ++k) h = (h ^ ((b >> (8 * k)) & 0xFF)) * 1099511628211ull;
  }
  EXPECT_EQ(h, 0x497ea93076385582ull) << std::hex << h;
}

TEST(DetMath, RoundSmallIsNearestEven) {
  for (float x = -40000.0f; x <= 40000.0f; x += 0.25f) EXPECT_EQ(det::round_small(x), std::nearbyint(x)) << x;
  EXPECT_EQ(det::round_small(2.5f), 2.0f);
  EXPECT_EQ(det::round_small(3.5f), 4.0f);
  EXPECT_EQ(det::round_small(-2.5f), -2.0f);
  EXPECT_EQ(det::round_small(0.49999997f), 0.0f);
}

TEST(DetMath, SiluMatchesDefinition) {
  for (float x = -30.0f; x <= 30.0f; x += 0.37f) {
    const double want = x / (1.0 + std::exp(-static_cast<double>(x)));
    EXPECT_NEAR(det::silu(x), want, 1e-6 * (1.0 + std::fabs(want)));
  }
}

TEST(DetMath, Float64HelpersAreAccurate) {
  for (double x = -700.0; x < 700.0; x += 1.37) {
    EXPECT_NEAR(det::exp_f64(x) / std::exp(x), 1.0, 1e-14) << x;
  }
  for (double x = 1e-300; x < 1e300; x *= 13.7) {
    EXPECT_NEAR(det::log_f64(x), std::log(x), 1e-13 * std::max(1.0, std::fabs(std::log(x)))) << x;
  }
  for (double x = 0.0; x < 70000.0; x += 3.3371) {
    double s = 0, c = 0;
    det::sincos_f64(x, s, c);
    EXPECT_NEAR(s, std::sin(x), 1e-12) << x;
    EXPECT_NEAR(c, std::cos(x), 1e-12) << x;
  }
}

}  // namespace
}  // namespace llmz
