// AVX2 attention kernel and vector exp; called only when the CPU has AVX2.
// Same operations as attend_scalar / det::exp, so the same bits (see attention.h).
#include <immintrin.h>

#include <algorithm>
#include <cmath>

#include "kernels/attention.h"
#include "kernels/attention_steps.h"
#include "kernels/avx2_sum.h"
#include "kernels/detmath.h"

namespace llmz::kern {
namespace {

// det::exp on 8 lanes, operation for operation.
inline __m256 exp8(__m256 x) {
  const __m256 keep = _mm256_cmp_ps(x, _mm256_set1_ps(-87.0f), _CMP_GE_OQ);  // NaN -> 0
  x = _mm256_min_ps(x, _mm256_set1_ps(88.0f));
  const __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(det::kExpLog2e)),
                                   _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  const __m256 r = _mm256_sub_ps(_mm256_sub_ps(x, _mm256_mul_ps(n, _mm256_set1_ps(det::kExpLn2Hi))),
                                 _mm256_mul_ps(n, _mm256_set1_ps(det::kExpLn2Lo)));
  __m256 p = _mm256_set1_ps(det::kExpC6);
  p = _mm256_add_ps(_mm256_set1_ps(det::kExpC5), _mm256_mul_ps(r, p));
  p = _mm256_add_ps(_mm256_set1_ps(det::kExpC4), _mm256_mul_ps(r, p));
  p = _mm256_add_ps(_mm256_set1_ps(det::kExpC3), _mm256_mul_ps(r, p));
  p = _mm256_add_ps(_mm256_set1_ps(det::kExpC2), _mm256_mul_ps(r, p));
  p = _mm256_add_ps(_mm256_set1_ps(1.0f), _mm256_mul_ps(r, p));
  p = _mm256_add_ps(_mm256_set1_ps(1.0f), _mm256_mul_ps(r, p));
  const __m256i bits = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
  return _mm256_and_ps(keep, _mm256_mul_ps(p, _mm256_castsi256_ps(bits)));
}

// Four int64 lanes whose sum is the exact dot product of q and k (madd pairs < 2^31, widened).
inline __m256i dot_lanes(const std::int16_t* q, const std::int16_t* k, int hd) {
  __m256i acc = _mm256_setzero_si256();
  for (int i = 0; i < hd; i += 16) {
    const __m256i p = _mm256_madd_epi16(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(q + i)),
                                        _mm256_loadu_si256(reinterpret_cast<const __m256i*>(k + i)));
    acc = _mm256_add_epi64(acc, _mm256_cvtepi32_epi64(_mm256_castsi256_si128(p)));
    acc = _mm256_add_epi64(acc, _mm256_cvtepi32_epi64(_mm256_extracti128_si256(p, 1)));
  }
  return acc;
}

// Lane j of the result is the sum of the lanes of a[j].
inline __m256i sum_lanes4(const __m256i a[4]) {
  const __m256i s01 = _mm256_add_epi64(_mm256_unpacklo_epi64(a[0], a[1]), _mm256_unpackhi_epi64(a[0], a[1]));
  const __m256i s23 = _mm256_add_epi64(_mm256_unpacklo_epi64(a[2], a[3]), _mm256_unpackhi_epi64(a[2], a[3]));
  return _mm256_add_epi64(_mm256_permute2x128_si256(s01, s23, 0x20), _mm256_permute2x128_si256(s01, s23, 0x31));
}

// acc[offset, offset + 32) += sum_t W_t v_t over the positions, kept in registers.
void weighted_values32(const AttentionHead& h, const std::int32_t* weight, int offset, std::int64_t* acc) {
  __m256i a[8];
  for (__m256i& r : a) r = _mm256_setzero_si256();
  for (int t = 0; t < h.positions; ++t) {
    if (weight[t] == 0) continue;
    const __m256i w = _mm256_set1_epi64x(weight[t]);
    const std::int16_t* v = h.v + static_cast<std::size_t>(t) * h.stride + offset;
    for (int j = 0; j < 8; ++j) {
      const __m256i x = _mm256_cvtepi16_epi64(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(v + 4 * j)));
      a[j] = _mm256_add_epi64(a[j], _mm256_mul_epi32(x, w));
    }
  }
  for (int j = 0; j < 8; ++j) _mm256_storeu_si256(reinterpret_cast<__m256i*>(acc + offset + 4 * j), a[j]);
}

}  // namespace

void exp_array_avx2(const float* x, float* y, int n) {
  int i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, exp8(_mm256_loadu_ps(x + i)));
  for (; i < n; ++i) y[i] = det::exp(x[i]);
}

void attend_avx2(const AttentionHead& h, const AttentionScratch& s, float* out) {
  namespace step = attention_steps;
  const int n = h.positions;
  const int hd = h.head_dim;
  const std::size_t ss = h.scale_stride;
  // Scores, four positions at a time (AVX2 has no int64 -> float conversion: scalar here).
  float max_score = -INFINITY;
  int t = 0;
  for (; t + 4 <= n; t += 4) {
    __m256i lanes[4];
    for (int j = 0; j < 4; ++j) lanes[j] = dot_lanes(h.q, h.k + static_cast<std::size_t>(t + j) * h.stride, hd);
    alignas(32) std::int64_t dots[4];
    _mm256_store_si256(reinterpret_cast<__m256i*>(dots), sum_lanes4(lanes));
    for (int j = 0; j < 4; ++j) {
      s.score[t + j] = step::score(h, dots[j], t + j);
      max_score = std::max(max_score, s.score[t + j]);
    }
  }
  for (; t < n; ++t) {
    const std::int64_t dot = hsum_epi64(dot_lanes(h.q, h.k + static_cast<std::size_t>(t) * h.stride, hd));
    s.score[t] = step::score(h, dot, t);
    max_score = std::max(max_score, s.score[t]);
  }
  // Softmax numerators, their integer sum Z, and w = e * v_scale, eight at a time.
  const __m256 max8 = _mm256_set1_ps(max_score);
  const __m256i step8 = _mm256_mullo_epi32(_mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7), _mm256_set1_epi32(static_cast<int>(ss)));
  __m256i z4 = _mm256_setzero_si256();
  __m256 wmax8 = _mm256_setzero_ps();
  for (t = 0; t + 8 <= n; t += 8) {
    const __m256 e = exp8(_mm256_sub_ps(_mm256_loadu_ps(s.score + t), max8));
    const __m256i zi = _mm256_cvttps_epi32(_mm256_mul_ps(e, _mm256_set1_ps(step::kZScale)));
    z4 = _mm256_add_epi64(z4, _mm256_cvtepi32_epi64(_mm256_castsi256_si128(zi)));
    z4 = _mm256_add_epi64(z4, _mm256_cvtepi32_epi64(_mm256_extracti128_si256(zi, 1)));
    const __m256 w = _mm256_mul_ps(e, _mm256_i32gather_ps(h.v_scale + t * ss, step8, 4));
    _mm256_storeu_ps(s.score + t, w);
    wmax8 = _mm256_max_ps(w, wmax8);
  }
  std::int64_t z = hsum_epi64(z4);
  alignas(32) float wm[8];
  _mm256_store_ps(wm, wmax8);
  float w_max = 0.0f;
  for (float m : wm) w_max = std::max(w_max, m);
  step::softmax(h, s.score, t, n, max_score, z, w_max);
  const float to_int = step::weight_factor(w_max, z);
  if (to_int == 0.0f) {
    std::fill(out, out + hd, 0.0f);
    return;
  }
  const __m256 to_int8 = _mm256_set1_ps(to_int);
  for (t = 0; t + 8 <= n; t += 8)
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(s.weight + t),
                        _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(s.score + t), to_int8)));
  step::weights(s.score, t, n, to_int, s.weight);
  for (int offset = 0; offset < hd; offset += 32) weighted_values32(h, s.weight, offset, s.acc);
  step::output(s.acc, hd, w_max, z, out);
}

}  // namespace llmz::kern
