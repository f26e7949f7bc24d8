#include "gguf/dequantize.h"

#include <cstring>

#include "common/byte_reader.h"
#include "gguf/quant_blocks.h"

namespace llmz::gguf {
namespace {

float f16_at(const std::uint8_t* p) { return fp16_to_f32(load_le16(p)); }

void q4_k_scale_min(const std::uint8_t* scales, int j, int& sc, int& m) {
  if (j < 4) {
    sc = scales[j] & 63;
    m = scales[j + 4] & 63;
  } else {
    sc = (scales[j + 4] & 0x0F) | ((scales[j - 4] >> 6) << 4);
    m = (scales[j + 4] >> 4) | ((scales[j] >> 6) << 4);
  }
}

}  // namespace

Status dequantize_row(TensorType type, const std::uint8_t* src, float* dst, std::uint64_t n) noexcept {
  const std::uint64_t be = block_elements(type);
  if (be == 0 || n % be != 0) return Status::invalid_argument;
  const std::uint64_t blocks = n / be;
  switch (type) {
    case TensorType::F32:
      for (std::uint64_t i = 0; i < n; ++i) {
        const std::uint32_t bits = load_le32(src + 4 * i);
        std::memcpy(dst + i, &bits, 4);
      }
      return Status::ok;
    case TensorType::F16:
      for (std::uint64_t i = 0; i < n; ++i) dst[i] = f16_at(src + 2 * i);
      return Status::ok;
    case TensorType::BF16:
      for (std::uint64_t i = 0; i < n; ++i) dst[i] = bf16_to_f32(load_le16(src + 2 * i));
      return Status::ok;
    case TensorType::Q4_0:
      for (std::uint64_t b = 0; b < blocks; ++b, src += 18, dst += 32) {
        const float d = f16_at(src);
        for (int i = 0; i < 16; ++i) {
          dst[i] = d * static_cast<float>((src[2 + i] & 0x0F) - 8);
          dst[i + 16] = d * static_cast<float>((src[2 + i] >> 4) - 8);
        }
      }
      return Status::ok;
    case TensorType::Q4_1:
      for (std::uint64_t b = 0; b < blocks; ++b, src += 20, dst += 32) {
        const float d = f16_at(src);
        const float m = f16_at(src + 2);
        for (int i = 0; i < 16; ++i) {
          dst[i] = d * static_cast<float>(src[4 + i] & 0x0F) + m;
          dst[i + 16] = d * static_cast<float>(src[4 + i] >> 4) + m;
        }
      }
      return Status::ok;
    case TensorType::Q8_0:
      for (std::uint64_t b = 0; b < blocks; ++b, src += 34, dst += 32) {
        const float d = f16_at(src);
        for (int i = 0; i < 32; ++i) dst[i] = static_cast<float>(static_cast<std::int8_t>(src[2 + i])) * d;
      }
      return Status::ok;
    case TensorType::Q4_K:
      for (std::uint64_t b = 0; b < blocks; ++b, src += 144, dst += 256) {
        const float d = f16_at(src);
        const float dmin = f16_at(src + 2);
        const std::uint8_t* scales = src + 4;
        const std::uint8_t* qs = src + 16;
        for (int j = 0; j < 8; ++j) {
          int sc = 0, m = 0;
          q4_k_scale_min(scales, j, sc, m);
          const float dl = d * static_cast<float>(sc);
          const float ml = dmin * static_cast<float>(m);
          const std::uint8_t* q = qs + 32 * (j / 2);
          for (int i = 0; i < 32; ++i) {
            const int v = (j % 2 == 0) ? (q[i] & 0x0F) : (q[i] >> 4);
            dst[32 * j + i] = dl * static_cast<float>(v) - ml;
          }
        }
      }
      return Status::ok;
    case TensorType::Q6_K:
      for (std::uint64_t b = 0; b < blocks; ++b, src += 210, dst += 256) {
        const std::uint8_t* ql = src;
        const std::uint8_t* qh = src + 128;
        const std::int8_t* scales = reinterpret_cast<const std::int8_t*>(src + 192);
        const float d = f16_at(src + 208);
        for (int e = 0; e < 256; ++e) {
          const int h = e / 128, c = (e % 128) / 32, i = e % 32;
          const std::uint8_t lo_byte = ql[64 * h + 32 * (c % 2) + i];
          const int lo = c < 2 ? (lo_byte & 0x0F) : (lo_byte >> 4);
          const int hi = (qh[32 * h + i] >> (2 * c)) & 3;
          const float dl = d * static_cast<float>(scales[e / 16]);
          dst[e] = dl * static_cast<float>((lo | (hi << 4)) - 32);
        }
      }
      return Status::ok;
  }
  return Status::invalid_argument;
}

}  // namespace llmz::gguf
