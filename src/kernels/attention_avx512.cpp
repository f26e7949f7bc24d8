// AVX-512 (F+BW+VL+DQ) attention kernel and vector exp; called only when the CPU has them.
// Same operations as attend_scalar / det::exp, so the same bits (see attention.h).
#include <immintrin.h>

#include <algorithm>
#include <cmath>

#include "kernels/attention.h"
#include "kernels/attention_steps.h"
#include "kernels/detmath.h"

namespace llmz::kern {
namespace {

// det::exp on 16 lanes, operation for operation.
inline __m512 exp16(__m512 x) {
  const __mmask16 keep = _mm512_cmp_ps_mask(x, _mm512_set1_ps(-87.0f), _CMP_GE_OQ);  // NaN -> 0
  x = _mm512_min_ps(x, _mm512_set1_ps(88.0f));
  const __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(det::kExpLog2e)),
                                        _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  const __m512 r = _mm512_sub_ps(_mm512_sub_ps(x, _mm512_mul_ps(n, _mm512_set1_ps(det::kExpLn2Hi))),
                                 _mm512_mul_ps(n, _mm512_set1_ps(det::kExpLn2Lo)));
  __m512 p = _mm512_set1_ps(det::kExpC6);
  p = _mm512_add_ps(_mm512_set1_ps(det::kExpC5), _mm512_mul_ps(r, p));
  p = _mm512_add_ps(_mm512_set1_ps(det::kExpC4), _mm512_mul_ps(r, p));
  p = _mm512_add_ps(_mm512_set1_ps(det::kExpC3), _mm512_mul_ps(r, p));
  p = _mm512_add_ps(_mm512_set1_ps(det::kExpC2), _mm512_mul_ps(r, p));
  p = _mm512_add_ps(_mm512_set1_ps(1.0f), _mm512_mul_ps(r, p));
  p = _mm512_add_ps(_mm512_set1_ps(1.0f), _mm512_mul_ps(r, p));
  const __m512i bits = _mm512_slli_epi32(_mm512_add_epi32(_mm512_cvtps_epi32(n), _mm512_set1_epi32(127)), 23);
  return _mm512_maskz_mov_ps(keep, _mm512_mul_ps(p, _mm512_castsi512_ps(bits)));
}

// Eight int64 lanes whose sum is the exact dot product of q and k (madd pairs < 2^31, each
// sign-extended to 64 bits before adding).
inline __m512i dot_lanes(const std::int16_t* q, const std::int16_t* k, int hd) {
  __m512i acc = _mm512_setzero_si512();
  for (int i = 0; i < hd; i += 32) {
    const __m512i p = _mm512_madd_epi16(_mm512_loadu_si512(q + i), _mm512_loadu_si512(k + i));
    acc = _mm512_add_epi64(acc, _mm512_srai_epi64(_mm512_slli_epi64(p, 32), 32));
    acc = _mm512_add_epi64(acc, _mm512_srai_epi64(p, 32));
  }
  return acc;
}

// Lane j of the result is the sum of the lanes of a[j] (a transpose-and-add tree).
inline __m512i sum_lanes8(const __m512i a[8]) {
  __m512i s[4];
  for (int j = 0; j < 4; ++j)
    s[j] = _mm512_add_epi64(_mm512_unpacklo_epi64(a[2 * j], a[2 * j + 1]), _mm512_unpackhi_epi64(a[2 * j], a[2 * j + 1]));
  const __m512i v = _mm512_add_epi64(_mm512_shuffle_i64x2(s[0], s[1], 0x88), _mm512_shuffle_i64x2(s[0], s[1], 0xDD));
  const __m512i w = _mm512_add_epi64(_mm512_shuffle_i64x2(s[2], s[3], 0x88), _mm512_shuffle_i64x2(s[2], s[3], 0xDD));
  return _mm512_add_epi64(_mm512_shuffle_i64x2(v, w, 0x88), _mm512_shuffle_i64x2(v, w, 0xDD));
}

// W_t = W2 * 2^22 + W1 * 2^11 + W0 with W0, W1 in [-1024, 1023] and W2 in [0, 512] (W_t >= 0, < 2^31):
// three parts small enough for int16 multiplies whose int32 sums cannot overflow (below).
struct WeightParts {
  std::int32_t p[3];
};
inline WeightParts split_weight(std::int32_t w) {
  WeightParts r;
  const std::int64_t x = w;
  r.p[0] = static_cast<std::int32_t>(((x + 1024) & 2047) - 1024);
  const std::int64_t rest = (x - r.p[0]) >> 11;  // exact: x - p0 is a multiple of 2^11
  r.p[1] = static_cast<std::int32_t>(((rest + 1024) & 2047) - 1024);
  r.p[2] = static_cast<std::int32_t>((rest - r.p[1]) >> 11);
  return r;
}

// acc[offset, offset + 32 * NC) = sum_t W_t v_t, exactly. Positions go in pairs (t, t+1): their
// values are interleaved so that one madd per weight part gives W_t v_{t,i} + W_{t+1} v_{t+1,i}
// in int32 (|.| <= 2 * 1024 * 32767 < 2^26). Sixteen pairs fit in int32 lanes (< 2^30); then the
// parts are widened to int64 and combined as p2 * 2^22 + p1 * 2^11 + p0.
template <int NC>
void weighted_values(const AttentionHead& h, const std::int32_t* weight, int offset, std::int64_t* acc) {
  constexpr int kVectors = 2 * NC;  // interleaved vectors of 16 element pairs
  constexpr int kPairsPerFlush = 16;
  __m512i part[3][kVectors];
  __m512i wide[kVectors][2];  // int64 sums of interleaved vector v, lanes 0-7 and 8-15
  for (int v = 0; v < kVectors; ++v) {
    for (auto& p : part) p[v] = _mm512_setzero_si512();
    wide[v][0] = wide[v][1] = _mm512_setzero_si512();
  }
  auto flush = [&] {
    for (int v = 0; v < kVectors; ++v) {
      for (int half = 0; half < 2; ++half) {
        __m512i sum = wide[v][half];
        for (int k = 0; k < 3; ++k) {
          const __m256i lanes = half == 0 ? _mm512_castsi512_si256(part[k][v]) : _mm512_extracti64x4_epi64(part[k][v], 1);
          sum = _mm512_add_epi64(sum, _mm512_slli_epi64(_mm512_cvtepi32_epi64(lanes), 11 * k));
        }
        wide[v][half] = sum;
      }
      for (auto& p : part) p[v] = _mm512_setzero_si512();
    }
  };
  const int n = h.positions;
  int pending = 0;
  for (int t = 0; t < n; t += 2) {
    const std::int32_t w0 = weight[t];
    const std::int32_t w1 = t + 1 < n ? weight[t + 1] : 0;
    if ((w0 | w1) == 0) continue;  // exact either way
    const WeightParts a = split_weight(w0);
    const WeightParts b = split_weight(w1);
    __m512i wp[3];
    for (int k = 0; k < 3; ++k)
      wp[k] = _mm512_set1_epi32(static_cast<std::int32_t>((static_cast<std::uint32_t>(b.p[k]) << 16) |
                                                          (static_cast<std::uint32_t>(a.p[k]) & 0xFFFFu)));
    const std::int16_t* va = h.v + static_cast<std::size_t>(t) * h.stride + offset;
    const std::int16_t* vb = t + 1 < n ? va + h.stride : va;  // weight 0 when there is no t+1
    for (int c = 0; c < NC; ++c) {
      const __m512i x = _mm512_loadu_si512(va + 32 * c);
      const __m512i y = _mm512_loadu_si512(vb + 32 * c);
      const __m512i lo = _mm512_unpacklo_epi16(x, y);  // elements 8k+0..3 of each 128-bit lane k
      const __m512i hi = _mm512_unpackhi_epi16(x, y);  // elements 8k+4..7
      for (int k = 0; k < 3; ++k) {
        part[k][2 * c] = _mm512_add_epi32(part[k][2 * c], _mm512_madd_epi16(lo, wp[k]));
        part[k][2 * c + 1] = _mm512_add_epi32(part[k][2 * c + 1], _mm512_madd_epi16(hi, wp[k]));
      }
    }
    if (++pending == kPairsPerFlush) {
      flush();
      pending = 0;
    }
  }
  flush();
  // Int32 lane j of interleaved vector 2c (+1 for hi) holds element 32c + 8(j/4) + j%4 (+4).
  for (int v = 0; v < kVectors; ++v) {
    alignas(64) std::int64_t lanes[16];
    _mm512_store_si512(lanes, wide[v][0]);
    _mm512_store_si512(lanes + 8, wide[v][1]);
    for (int j = 0; j < 16; ++j) acc[offset + 32 * (v / 2) + 8 * (j / 4) + 4 * (v % 2) + j % 4] = lanes[j];
  }
}

}  // namespace

void exp_array_avx512(const float* x, float* y, int n) {
  int i = 0;
  for (; i + 16 <= n; i += 16) _mm512_storeu_ps(y + i, exp16(_mm512_loadu_ps(x + i)));
  for (; i < n; ++i) y[i] = det::exp(x[i]);
}

void attend_avx512(const AttentionHead& h, const AttentionScratch& s, float* out) {
  namespace step = attention_steps;
  const int n = h.positions;
  const int hd = h.head_dim;
  const std::size_t ss = h.scale_stride;
  // Scores, eight positions at a time.
  __m256 max8 = _mm256_set1_ps(-INFINITY);
  const __m256 qf8 = _mm256_set1_ps(h.q_factor);
  const __m256i step8 = _mm256_mullo_epi32(_mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7), _mm256_set1_epi32(static_cast<int>(ss)));
  int t = 0;
  for (; t + 8 <= n; t += 8) {
    __m512i lanes[8];
    for (int j = 0; j < 8; ++j) lanes[j] = dot_lanes(h.q, h.k + static_cast<std::size_t>(t + j) * h.stride, hd);
    const __m256 dots = _mm512_cvtepi64_ps(sum_lanes8(lanes));
    const __m256 ks = _mm256_i32gather_ps(h.k_scale + t * ss, step8, 4);
    const __m256 score = _mm256_mul_ps(_mm256_mul_ps(dots, qf8), ks);
    _mm256_storeu_ps(s.score + t, score);
    max8 = _mm256_max_ps(score, max8);
  }
  float tmp[8];
  _mm256_storeu_ps(tmp, max8);
  float max_score = -INFINITY;
  for (float m : tmp) max_score = std::max(max_score, m);
  for (; t < n; ++t) {
    const std::int64_t dot = _mm512_reduce_add_epi64(dot_lanes(h.q, h.k + static_cast<std::size_t>(t) * h.stride, hd));
    s.score[t] = step::score(h, dot, t);
    max_score = std::max(max_score, s.score[t]);
  }
  // Softmax numerators, their integer sum Z, and w = e * v_scale, sixteen at a time.
  const __m512 max16 = _mm512_set1_ps(max_score);
  const __m512i step16 = _mm512_mullo_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                                            _mm512_set1_epi32(static_cast<int>(ss)));
  __m512i z8 = _mm512_setzero_si512();
  __m512 wmax16 = _mm512_setzero_ps();
  for (t = 0; t + 16 <= n; t += 16) {
    const __m512 e = exp16(_mm512_sub_ps(_mm512_loadu_ps(s.score + t), max16));
    const __m512i zi = _mm512_cvttps_epi32(_mm512_mul_ps(e, _mm512_set1_ps(step::kZScale)));
    z8 = _mm512_add_epi64(z8, _mm512_cvtepi32_epi64(_mm512_castsi512_si256(zi)));
    z8 = _mm512_add_epi64(z8, _mm512_cvtepi32_epi64(_mm512_extracti64x4_epi64(zi, 1)));
    const __m512 w = _mm512_mul_ps(e, _mm512_i32gather_ps(step16, h.v_scale + t * ss, 4));
    _mm512_storeu_ps(s.score + t, w);
    wmax16 = _mm512_max_ps(w, wmax16);
  }
  std::int64_t z = _mm512_reduce_add_epi64(z8);
  float w_max = _mm512_reduce_max_ps(wmax16);
  step::softmax(h, s.score, t, n, max_score, z, w_max);
  const float to_int = step::weight_factor(w_max, z);
  if (to_int == 0.0f) {
    std::fill(out, out + hd, 0.0f);
    return;
  }
  const __m512 to_int16 = _mm512_set1_ps(to_int);
  for (t = 0; t + 16 <= n; t += 16)
    _mm512_storeu_si512(s.weight + t, _mm512_cvtps_epi32(_mm512_mul_ps(_mm512_loadu_ps(s.score + t), to_int16)));
  step::weights(s.score, t, n, to_int, s.weight);
  int offset = 0;
  for (; offset + 64 <= hd; offset += 64) weighted_values<2>(h, s.weight, offset, s.acc);
  if (offset < hd) weighted_values<1>(h, s.weight, offset, s.acc);  // hd is a multiple of 32
  step::output(s.acc, hd, w_max, z, out);
}

}  // namespace llmz::kern
