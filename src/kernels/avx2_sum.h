// Horizontal sum of an AVX2 vector of four int64 lanes (exact). For translation units compiled
// with -mavx2 only. Internal to src/kernels.
#pragma once

#include <immintrin.h>

#include <cstdint>

namespace llmz::kern {

inline std::int64_t hsum_epi64(__m256i v) {
  const __m128i s = _mm_add_epi64(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  return _mm_cvtsi128_si64(s) + _mm_extract_epi64(s, 1);
}

}  // namespace llmz::kern
