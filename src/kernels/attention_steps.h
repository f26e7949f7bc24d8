// The scalar steps of attend_scalar (attention.h), shared with the SIMD versions, which run them
// on the positions left over after their vector loops. Internal to src/kernels.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "kernels/attention.h"
#include "kernels/detmath.h"

namespace llmz::kern::attention_steps {

inline constexpr float kZScale = 16777216.0f;        // 2^24: Z counts e_t in units of 2^-24
inline constexpr float kWeightScale = 1073741824.0f;  // 2^30: the largest W_t
inline constexpr float kOutScale = 0.015625f;         // 2^24 / 2^30

inline float score(const AttentionHead& h, std::int64_t dot, int t) {
  return (static_cast<float>(dot) * h.q_factor) * h.k_scale[static_cast<std::size_t>(t) * h.scale_stride];
}

// Positions [t, n): score -> w in place, adding to z and w_max.
inline void softmax(const AttentionHead& h, float* score, int t, int n, float max_score, std::int64_t& z,
                    float& w_max) {
  for (; t < n; ++t) {
    const float e = det::exp(score[t] - max_score);
    z += static_cast<std::int64_t>(e * kZScale);  // e <= 1: truncation is floor
    const float w = e * h.v_scale[static_cast<std::size_t>(t) * h.scale_stride];
    score[t] = w;
    w_max = std::max(w_max, w);
  }
}

// The factor turning w into W, or 0 when the head's output is defined as 0.
inline float weight_factor(float w_max, std::int64_t z) {
  const float to_int = kWeightScale / w_max;
  return (w_max > 0.0f && std::isfinite(to_int) && z != 0) ? to_int : 0.0f;
}

inline void weights(const float* w, int t, int n, float to_int, std::int32_t* weight) {
  for (; t < n; ++t) weight[t] = det::round_to_i32(w[t] * to_int);
}

inline void output(const std::int64_t* acc, int hd, float w_max, std::int64_t z, float* out) {
  const float f = (w_max / static_cast<float>(z)) * kOutScale;
  for (int i = 0; i < hd; ++i) out[i] = static_cast<float>(acc[i]) * f;
}

}  // namespace llmz::kern::attention_steps
