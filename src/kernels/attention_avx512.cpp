// AVX-512 (F+BW+VL+DQ) attention kernel and vector exp; called only when the CPU has them.
#include <immintrin.h>

#include <algorithm>
#include <cmath>

#include "kernels/attention.h"
#include "kernels/attention_steps.h"
#include "kernels/detmath.h"

namespace llmz::kern {
#define ATTEND_NAME attend_avx512
#define ACCUMULATE_PAIRS(acc, a, b) _mm512_add_epi32(acc, _mm512_madd_epi16(a, b))
#include "kernels/attention_avx512.inc"

void exp_array_avx512(const float* x, float* y, int n) {
  int i = 0;
  for (; i + 16 <= n; i += 16) _mm512_storeu_ps(y + i, exp16(_mm512_loadu_ps(x + i)));
  for (; i < n; ++i) y[i] = det::exp(x[i]);
}

}  // namespace llmz::kern
