// AVX-512 (F+BW+VL) matmul kernel (called only when the CPU has them).
#include <immintrin.h>

#include <array>
#include <utility>

#include "kernels/qmatmul.h"

namespace llmz::kern {
namespace {
// sum_b m[b] * s[b], exact in int64 (|m| < 2^25, |s| < 2^20: products < 2^45).
inline std::int64_t offset_dot(const std::int32_t* m, const std::int32_t* s, int n) {
  __m512i acc = _mm512_setzero_si512();
  int b = 0;
  for (; b + 8 <= n; b += 8)
    acc = _mm512_add_epi64(acc, _mm512_mul_epi32(_mm512_cvtepi32_epi64(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(m + b))),
                                                 _mm512_cvtepi32_epi64(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(s + b)))));
  std::int64_t total = _mm512_reduce_add_epi64(acc);
  for (; b < n; ++b) total += static_cast<std::int64_t>(m[b]) * s[b];
  return total;
}
}  // namespace

#define VEC __m512i
#define VEC_ZERO _mm512_setzero_si512
#define VEC_SET1_EPI32 _mm512_set1_epi32
#define VEC_MUL_EPI32 _mm512_mul_epi32
#define VEC_SRLI_EPI64 _mm512_srli_epi64
#define VEC_ADD_EPI64 _mm512_add_epi64
#define VEC_ADD_EPI32 _mm512_add_epi32
#define VEC_HSUM_EPI64 _mm512_reduce_add_epi64
// One int16 vector of 32: the whole block.
#define WEIGHTS_DECL __m512i wv
#define LOAD_Q4(qs)                                                                  \
  do {                                                                               \
    const __m128i raw = _mm_loadu_si128(reinterpret_cast<const __m128i*>(qs));       \
    const __m128i mask = _mm_set1_epi8(0x0F);                                        \
    const __m128i lo = _mm_and_si128(raw, mask);                                     \
    const __m128i hi = _mm_and_si128(_mm_srli_epi16(raw, 4), mask);                  \
    wv = _mm512_cvtepu8_epi16(_mm256_set_m128i(hi, lo));                             \
  } while (0)
#define LOAD_Q8(qs) \
  wv = _mm512_cvtepi8_epi16(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(qs)))
#define DOT_BLOCK(xp) _mm512_madd_epi16(wv, _mm512_loadu_si512(reinterpret_cast<const void*>(xp)))
#define OFFSET_DOT offset_dot
#define KERNEL_TILE matmul_tile_avx512
#define KERNEL_ROWS matmul_rows_avx512
#define KERNEL_NAME matmul_avx512
#include "kernels/qmatmul_x86.inc"

}  // namespace llmz::kern
