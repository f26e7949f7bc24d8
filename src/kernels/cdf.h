// Logits -> integer frequency table for the range coder (DESIGN.md D5, docs/DETERMINISM.md "CDF").
//
// Contract: freqs[i] >= 1 for every token, sum(freqs) == 2^cdf_bits exactly, and the table is a
// pure function of the logits' bits:
//   e_i = det::exp(l_i - max_l)                    (binary32, own exp; e = 1 at the max)
//   E_i = (uint64) floor(e_i * 2^32)               (exact scaling, then truncation)
//   S   = sum E_i                                  (exact integer)
//   f_i = 1 + floor(E_i * (2^K - V) / S)           (exact integer)
//   the remainder 2^K - sum f_i is added to the first token with the largest logit.
// cdf_bits K must satisfy 2^K >= 2 * vocab and K <= 31.
#pragma once

#include <cstdint>

#include "kernels/attention.h"

namespace llmz::kern {

inline constexpr int kMaxCdfBits = 31;

bool cdf_bits_valid(int cdf_bits, int vocab) noexcept;

// `scratch` holds vocab uint64 values. `exp_array` computes the e_i: any kernel set's version
// (they all equal det::exp bit for bit).
void logits_to_frequencies(const float* logits, int vocab, int cdf_bits, std::uint32_t* freqs,
                           std::uint64_t* scratch, ExpArrayFn exp_array = exp_array_scalar) noexcept;

}  // namespace llmz::kern
