// AVX-512 (F+BW+VL) matmul kernel (called only when the CPU has them).
#include <immintrin.h>


#include "kernels/qmatmul.h"

namespace llmz::kern {

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
#define KERNEL_NAME matmul_avx512
#include "kernels/qmatmul_x86.inc"

std::int64_t dot_i16_avx512(const std::int16_t* a, const std::int16_t* b, int n) noexcept {
  __m512i acc = _mm512_setzero_si512();
  for (int i = 0; i < n; i += 32) {
    const __m512i p = _mm512_madd_epi16(_mm512_loadu_si512(a + i), _mm512_loadu_si512(b + i));
    acc = _mm512_add_epi64(acc, _mm512_cvtepi32_epi64(_mm512_castsi512_si256(p)));
    acc = _mm512_add_epi64(acc, _mm512_cvtepi32_epi64(_mm512_extracti64x4_epi64(p, 1)));
  }
  return _mm512_reduce_add_epi64(acc);
}

void axpy_i16_avx512(std::int64_t* acc, std::int64_t w, const std::int16_t* v, int n) noexcept {
  const __m512i wv = _mm512_set1_epi64(w);
  for (int i = 0; i < n; i += 8) {
    const __m512i x = _mm512_cvtepi16_epi64(_mm_loadu_si128(reinterpret_cast<const __m128i*>(v + i)));
    _mm512_storeu_si512(acc + i, _mm512_add_epi64(_mm512_loadu_si512(acc + i), _mm512_mul_epi32(x, wv)));
  }
}

}  // namespace llmz::kern
