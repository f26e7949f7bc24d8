#include "kernels/attention.h"

#include <algorithm>
#include <cmath>

#include "kernels/attention_steps.h"
#include "kernels/detmath.h"

namespace llmz::kern {

void attend_scalar(const AttentionHead& h, const AttentionScratch& s, float* out) noexcept {
  namespace step = attention_steps;
  const int n = h.positions;
  const int hd = h.head_dim;
  float max_score = -INFINITY;
  for (int t = 0; t < n; ++t) {
    const std::int16_t* k = h.k + static_cast<std::size_t>(t) * h.stride;
    std::int64_t dot = 0;
    for (int i = 0; i < hd; ++i) dot += static_cast<std::int32_t>(h.q[i]) * k[i];
    s.score[t] = step::score(h, dot, t);
    max_score = std::max(max_score, s.score[t]);
  }
  std::int64_t z = 0;
  float w_max = 0.0f;
  step::softmax(h, s.score, 0, n, max_score, z, w_max);
  const float to_int = step::weight_factor(w_max, z);
  if (to_int == 0.0f) {
    std::fill(out, out + hd, 0.0f);
    return;
  }
  step::weights(s.score, 0, n, to_int, s.weight);
  std::fill(s.acc, s.acc + hd, std::int64_t{0});
  for (int t = 0; t < n; ++t) {
    const std::int64_t w = s.weight[t];
    if (w == 0) continue;  // exact either way; most far positions round to 0
    const std::int16_t* v = h.v + static_cast<std::size_t>(t) * h.stride;
    for (int i = 0; i < hd; ++i) s.acc[i] += w * v[i];
  }
  step::output(s.acc, hd, w_max, z, out);
}

void exp_array_scalar(const float* x, float* y, int n) noexcept {
  for (int i = 0; i < n; ++i) y[i] = det::exp(x[i]);
}

}  // namespace llmz::kern
