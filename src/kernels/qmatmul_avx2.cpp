// AVX2 matmul kernel (compiled with -mavx2; called only when the CPU has AVX2).
#include <immintrin.h>

#include <array>
#include <utility>

#include "kernels/avx2_sum.h"
#include "kernels/qmatmul.h"

namespace llmz::kern {
namespace {
// sum_b m[b] * s[b], exact in int64 (|m| < 2^25, |s| < 2^20: products < 2^45).
inline std::int64_t offset_dot(const std::int32_t* m, const std::int32_t* s, int n) {
  __m256i acc = _mm256_setzero_si256();
  int b = 0;
  for (; b + 4 <= n; b += 4)
    acc = _mm256_add_epi64(acc, _mm256_mul_epi32(_mm256_cvtepi32_epi64(_mm_loadu_si128(reinterpret_cast<const __m128i*>(m + b))),
                                                 _mm256_cvtepi32_epi64(_mm_loadu_si128(reinterpret_cast<const __m128i*>(s + b)))));
  std::int64_t total = hsum_epi64(acc);
  for (; b < n; ++b) total += static_cast<std::int64_t>(m[b]) * s[b];
  return total;
}
}  // namespace

#define VEC __m256i
#define VEC_ZERO _mm256_setzero_si256
#define VEC_SET1_EPI32 _mm256_set1_epi32
#define VEC_MUL_EPI32 _mm256_mul_epi32
#define VEC_SRLI_EPI64 _mm256_srli_epi64
#define VEC_ADD_EPI64 _mm256_add_epi64
#define VEC_ADD_EPI32 _mm256_add_epi32
#define VEC_HSUM_EPI64 hsum_epi64
// Two int16 vectors of 16: elements 0..15 and 16..31 of the block.
#define WEIGHTS_DECL __m256i w0, w1
#define LOAD_Q4(qs)                                                                          \
  do {                                                                                       \
    const __m128i raw = _mm_loadu_si128(reinterpret_cast<const __m128i*>(qs));               \
    const __m128i mask = _mm_set1_epi8(0x0F);                                                \
    w0 = _mm256_cvtepu8_epi16(_mm_and_si128(raw, mask));                                     \
    w1 = _mm256_cvtepu8_epi16(_mm_and_si128(_mm_srli_epi16(raw, 4), mask));                  \
  } while (0)
#define LOAD_Q8(qs)                                                                          \
  do {                                                                                       \
    w0 = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(qs)));        \
    w1 = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>((qs) + 16))); \
  } while (0)
#define DOT_BLOCK(xp)                                                                                  \
  _mm256_add_epi32(_mm256_madd_epi16(w0, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(xp))),    \
                   _mm256_madd_epi16(w1, _mm256_loadu_si256(reinterpret_cast<const __m256i*>((xp) + 16))))
#define OFFSET_DOT offset_dot
#define KERNEL_TILE matmul_tile_avx2
#define KERNEL_ROWS matmul_rows_avx2
#define KERNEL_NAME matmul_avx2
#include "kernels/qmatmul_x86.inc"

}  // namespace llmz::kern
