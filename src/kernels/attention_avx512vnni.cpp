// AVX-512 attention kernel with VNNI (vpdpwssd sums int16 pairs into int32 in one instruction);
// called only when the CPU has AVX512_VNNI besides the avx512 set's extensions.
#include <immintrin.h>

#include <algorithm>
#include <cmath>

#include "kernels/attention.h"
#include "kernels/attention_steps.h"
#include "kernels/detmath.h"

namespace llmz::kern {

#define ATTEND_NAME attend_avx512vnni
#define ACCUMULATE_PAIRS(acc, a, b) _mm512_dpwssd_epi32(acc, a, b)
#include "kernels/attention_avx512.inc"

}  // namespace llmz::kern
