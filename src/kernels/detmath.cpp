#include "kernels/detmath.h"

namespace llmz::det {

double exp_f64(double x) noexcept {
  // exp(x) = 2^k * exp(r), r = x - k ln2 in [-ln2/2, ln2/2], Taylor series to 20 terms.
  // ln 2 split in two so that k * kLn2Hi is exact for |k| < 2^20 (Cody-Waite).
  constexpr double kLn2Hi = 6.93147180369123816490e-01;
  constexpr double kLn2Lo = 1.90821492927058770002e-10;
  constexpr double kInvLn2 = 1.44269504088896340735992468100;
  const double k = std::nearbyint(x * kInvLn2);
  const double r = (x - k * kLn2Hi) - k * kLn2Lo;
  double term = 1.0;
  double sum = 1.0;
  for (int i = 1; i <= 20; ++i) {
    term = term * r / static_cast<double>(i);
    sum = sum + term;
  }
  // Multiply by 2^k exactly, in steps that stay in range.
  int kk = static_cast<int>(k);
  while (kk > 0) { const int step = kk > 1000 ? 1000 : kk; sum = sum * std::ldexp(1.0, step); kk -= step; }
  while (kk < 0) { const int step = kk < -1000 ? -1000 : kk; sum = sum * std::ldexp(1.0, step); kk -= step; }
  return sum;
}

double log_f64(double x) noexcept {
  // x = m * 2^e with m in [sqrt(1/2), sqrt(2)); log(m) = 2 atanh(t), t = (m-1)/(m+1), |t| < 0.172.
  int e = 0;
  double m = std::frexp(x, &e);  // exact: m in [0.5, 1)
  if (m < 0.70710678118654752440) { m = m * 2.0; e = e - 1; }
  const double t = (m - 1.0) / (m + 1.0);
  const double t2 = t * t;
  double power = t;
  double sum = 0.0;
  for (int i = 1; i <= 41; i += 2) {
    sum = sum + power / static_cast<double>(i);
    power = power * t2;
  }
  constexpr double kLn2 = 0.693147180559945309417232121458;
  return 2.0 * sum + static_cast<double>(e) * kLn2;
}

void sincos_f64(double x, double& s, double& c) noexcept {
  // Reduce by multiples of pi/2 with a three-part pi/2 (Cody-Waite), then Taylor series on
  // |r| <= pi/4, then pick the quadrant.
  constexpr double kTwoOverPi = 0.636619772367581343075535053490;
  constexpr double kPiOver2Hi = 1.57079632673412561417e+00;   // first 33 bits of pi/2
  constexpr double kPiOver2Mid = 6.07710050650619224932e-11;  // next 33 bits
  constexpr double kPiOver2Lo = 2.02226624879595063154e-21;   // the rest
  const double k = std::nearbyint(x * kTwoOverPi);
  const double r = ((x - k * kPiOver2Hi) - k * kPiOver2Mid) - k * kPiOver2Lo;
  const double r2 = r * r;
  double sin_r = 0.0;
  double cos_r = 0.0;
  double term_s = r;
  double term_c = 1.0;
  for (int i = 0; i < 12; ++i) {
    sin_r = sin_r + term_s;
    cos_r = cos_r + term_c;
    term_s = -term_s * r2 / static_cast<double>((2 * i + 2) * (2 * i + 3));
    term_c = -term_c * r2 / static_cast<double>((2 * i + 1) * (2 * i + 2));
  }
  const long long quadrant = static_cast<long long>(k) & 3;
  switch (quadrant) {
    case 0: s = sin_r; c = cos_r; break;
    case 1: s = cos_r; c = -sin_r; break;
    case 2: s = -sin_r; c = -cos_r; break;
    default: s = -cos_r; c = sin_r; break;
  }
}

}  // namespace llmz::det
