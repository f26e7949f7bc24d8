// Deterministic element-wise math for the probability path (docs/DETERMINISM.md).
//
// Contract: every function here is built only from IEEE-754 + - * / and sqrt, in a fixed order,
// with the build's -ffp-contract=off, so it returns the same bits on every x86-64/ARM CPU, compiler
// and optimisation level. No libm transcendental is called (their results differ between
// libraries). SIMD versions of these functions must perform exactly the same operations in the
// same order, and are tested with == against these.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>

namespace llmz::det {

// Round to nearest, ties to even, under the default rounding mode (which llmz never changes).
// Inputs must lie well inside the int32 range; callers clamp first.
inline std::int32_t round_to_i32(float x) noexcept { return static_cast<std::int32_t>(std::nearbyint(x)); }
// The same rounding for |x| <= 2^22 without a library call: adding and subtracting 1.5 * 2^23
// leaves x rounded to an integer (ties to even) under IEEE round-to-nearest; -ffp-contract=off and
// no -ffast-math keep the compiler from folding it. SIMD versions do the same two operations.
inline float round_small(float x) noexcept {
  constexpr float kMagic = 12582912.0f;  // 1.5 * 2^23
  return (x + kMagic) - kMagic;
}
inline std::int64_t round_to_i64(double x) noexcept { return static_cast<std::int64_t>(std::nearbyint(x)); }

// 2^n as a float for n in [-126, 127], built from its bits (exact).
inline float pow2f(int n) noexcept {
  const std::uint32_t bits = static_cast<std::uint32_t>(n + 127) << 23;
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

// exp(x) in binary32, a few ulp from the true value. Returns exactly 0 for x < -87 (so no
// subnormal is ever produced) and exp(88) for x > 88 (finite, so x/(1+exp(-x)) stays finite).
// Operation order (the specification for the SIMD versions):
//   x  = min(max(x, -87), 88)          (x < -87 returns 0 before this)
//   n  = nearbyint(x * kLog2e)
//   r  = (x - n * kLn2Hi) - n * kLn2Lo
//   p  = 1 + r*(1 + r*(c2 + r*(c3 + r*(c4 + r*(c5 + r*c6)))))     (Horner, innermost first)
//   result = p * 2^n
inline constexpr float kExpLog2e = 1.44269504088896341f;
inline constexpr float kExpLn2Hi = 0.693359375f;
inline constexpr float kExpLn2Lo = -2.12194440e-4f;
inline constexpr float kExpC2 = 0.5f;
inline constexpr float kExpC3 = 1.66666666666666667e-1f;
inline constexpr float kExpC4 = 4.16666666666666667e-2f;
inline constexpr float kExpC5 = 8.33333333333333333e-3f;
inline constexpr float kExpC6 = 1.38888888888888889e-3f;

inline float exp(float x) noexcept {
  if (!(x >= -87.0f)) return 0.0f;  // also maps NaN to 0: the probability path never sees NaN
  if (x > 88.0f) x = 88.0f;
  const float n = std::nearbyint(x * kExpLog2e);
  const float r = (x - n * kExpLn2Hi) - n * kExpLn2Lo;
  float p = kExpC6;
  p = kExpC5 + r * p;
  p = kExpC4 + r * p;
  p = kExpC3 + r * p;
  p = kExpC2 + r * p;
  p = 1.0f + r * p;
  p = 1.0f + r * p;
  return p * pow2f(static_cast<int>(n));
}

// SiLU(x) = x * sigmoid(x), computed as x / (1 + exp(-x)).
inline float silu(float x) noexcept { return x / (1.0f + det::exp(-x)); }

// Double-precision helpers used only at load time to build tables (RoPE angles); same rules.
double exp_f64(double x) noexcept;   // relative error ~1e-15 for |x| < 700
double log_f64(double x) noexcept;   // x > 0
void sincos_f64(double x, double& s, double& c) noexcept;  // |x| < 2^20, abs error ~1e-15

}  // namespace llmz::det
