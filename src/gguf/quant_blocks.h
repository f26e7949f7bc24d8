// GGUF/ggml block layouts and exact half-precision conversions.
//
// Contract: the structs mirror ggml's little-endian on-disk blocks byte for byte (pinned with
// static_assert on size and offsets), so kernels may read the memory-mapped tensor data through
// them on a little-endian host. fp16 and bf16 fields are kept as raw uint16 bits;
// fp16_to_f32/bf16_to_f32 convert them exactly (every fp16/bf16 value is a binary32 value).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace llmz::gguf {

inline constexpr int kQK = 32;    // elements per block of Q4_0, Q4_1, Q8_0
inline constexpr int kQKK = 256;  // elements per super-block of the K-quants

// Q4_0: x = d * (q - 8); element i < 16 is the low nibble of qs[i], element i + 16 the high one.
struct BlockQ4_0 {
  std::uint16_t d;
  std::uint8_t qs[kQK / 2];
};
// Q4_1: x = d * q + m; nibble order as Q4_0.
struct BlockQ4_1 {
  std::uint16_t d;
  std::uint16_t m;
  std::uint8_t qs[kQK / 2];
};
// Q8_0: x = d * q, q signed.
struct BlockQ8_0 {
  std::uint16_t d;
  std::int8_t qs[kQK];
};
// Q4_K: 8 sub-blocks of 32 with 6-bit scales sc[j] and mins m[j] packed in `scales`:
//   j < 4: sc = scales[j] & 63, m = scales[j+4] & 63;
//   j >= 4: sc = (scales[j+4] & 15) | ((scales[j-4] >> 6) << 4), m = (scales[j+4] >> 4) | ((scales[j] >> 6) << 4).
// x = (d * sc) * q - (dmin * m); element 64g + i (i < 32) is the low nibble of qs[32g + i]
// (sub-block 2g), element 64g + 32 + i its high nibble (sub-block 2g + 1).
struct BlockQ4_K {
  std::uint16_t d;
  std::uint16_t dmin;
  std::uint8_t scales[12];
  std::uint8_t qs[kQKK / 2];
};
// Q6_K: x = (d * scales[e / 16]) * (q - 32), q 6-bit: element e = 128h + 32c + i has its low 4
// bits in ql[64h + 32(c % 2) + i] (low nibble for c < 2, high nibble for c >= 2) and its high 2
// bits at bit 2c of qh[32h + i].
struct BlockQ6_K {
  std::uint8_t ql[kQKK / 2];
  std::uint8_t qh[kQKK / 4];
  std::int8_t scales[kQKK / 16];
  std::uint16_t d;
};

static_assert(sizeof(BlockQ4_0) == 18 && offsetof(BlockQ4_0, qs) == 2);
static_assert(sizeof(BlockQ4_1) == 20 && offsetof(BlockQ4_1, m) == 2 && offsetof(BlockQ4_1, qs) == 4);
static_assert(sizeof(BlockQ8_0) == 34 && offsetof(BlockQ8_0, qs) == 2);
static_assert(sizeof(BlockQ4_K) == 144 && offsetof(BlockQ4_K, scales) == 4 && offsetof(BlockQ4_K, qs) == 16);
static_assert(sizeof(BlockQ6_K) == 210 && offsetof(BlockQ6_K, qh) == 128 && offsetof(BlockQ6_K, scales) == 192 &&
              offsetof(BlockQ6_K, d) == 208);

// Exact IEEE half -> single (subnormals, infinities and NaN payloads included).
inline float fp16_to_f32(std::uint16_t h) noexcept {
  const std::uint32_t sign = static_cast<std::uint32_t>(h & 0x8000u) << 16;
  std::uint32_t exponent = (h >> 10) & 0x1Fu;
  std::uint32_t mantissa = h & 0x3FFu;
  std::uint32_t bits;
  if (exponent == 0x1F) {
    bits = sign | 0x7F800000u | (mantissa << 13);
  } else if (exponent != 0) {
    bits = sign | ((exponent + 112) << 23) | (mantissa << 13);
  } else if (mantissa == 0) {
    bits = sign;
  } else {
    // Subnormal half: normalise (the value is exact in binary32).
    exponent = 113;
    while ((mantissa & 0x400u) == 0) {
      mantissa <<= 1;
      --exponent;
    }
    bits = sign | (exponent << 23) | ((mantissa & 0x3FFu) << 13);
  }
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

inline float bf16_to_f32(std::uint16_t h) noexcept {
  const std::uint32_t bits = static_cast<std::uint32_t>(h) << 16;
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

}  // namespace llmz::gguf
