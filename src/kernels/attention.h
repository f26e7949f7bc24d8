// Attention of one query head over an int16 key/value cache (docs/DETERMINISM.md, "Scores" and
// "Softmax + values").
//
// Contract: attend_scalar is the specification. For positions t < n:
//   dot_t   = sum_i q_i k_{t,i}                                   exact int64
//   score_t = ((float)dot_t * q_factor) * k_scale_t
//   e_t     = det::exp(score_t - max_t score_t)
//   Z       = sum_t floor(e_t * 2^24)                             exact int64
//   w_t     = e_t * v_scale_t,  w_max = max(0, max_t w_t)
//   W_t     = nearbyint(w_t * (2^30 / w_max))                     int32 (< 2^31 by construction)
//   acc_i   = sum_t W_t v_{t,i}                                    exact int64
//   out_i   = (float)acc_i * ((w_max / (float)Z) * 2^-6)
// and out = 0 when w_max is not positive or 2^30 / w_max is not finite. Every SIMD version does
// the same element-wise float operations in the same order and the same exact integer sums, so
// it returns the same bits (tested with ==). head_dim must be a multiple of 32 and at most 512.
#pragma once

#include <cstddef>
#include <cstdint>

namespace llmz::kern {

struct AttentionHead {
  const std::int16_t* q = nullptr;  // quantised query [head_dim]
  float q_factor = 0.0f;            // the query's scale / sqrt(head_dim)
  const std::int16_t* k = nullptr;  // position t's key at k + t * stride
  const std::int16_t* v = nullptr;  // position t's value at v + t * stride
  const float* k_scale = nullptr;   // position t's key scale at k_scale[t * scale_stride]
  const float* v_scale = nullptr;
  std::size_t stride = 0;
  std::size_t scale_stride = 0;
  int positions = 0;  // n >= 1
  int head_dim = 0;
};

// Caller-owned scratch: score and weight hold at least `positions` entries, acc head_dim.
struct AttentionScratch {
  float* score = nullptr;
  std::int32_t* weight = nullptr;
  std::int64_t* acc = nullptr;
};

using AttendFn = void (*)(const AttentionHead& head, const AttentionScratch& scratch, float* out);

void attend_scalar(const AttentionHead& head, const AttentionScratch& scratch, float* out) noexcept;

// Element-wise det::exp over n floats (the vector versions are checked against det::exp with ==).
using ExpArrayFn = void (*)(const float* x, float* y, int n);
void exp_array_scalar(const float* x, float* y, int n) noexcept;

}  // namespace llmz::kern
