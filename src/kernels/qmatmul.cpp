#include "kernels/qmatmul.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "common/byte_reader.h"
#include "gguf/quant_blocks.h"
#include "kernels/detmath.h"

namespace llmz::kern {
namespace {

// Row scales are re-expressed with their largest magnitude in [2^21, 2^22): products D*S stay
// below 2^46 (q4) / 2^49 (q8_0), so sums over up to 2^13 blocks (2^18 columns) fit in int64.
constexpr int kScaleBits = 22;
constexpr int kMaxCols = 1 << 18;

}  // namespace

Result<QuantMatrix> prepare_matrix(std::uint32_t ggml_type, const std::uint8_t* data, int rows, int cols) {
  if (rows <= 0 || cols <= 0 || cols % kBlock != 0 || cols > kMaxCols || data == nullptr)
    return Error(Status::invalid_argument, "matrix shape " + std::to_string(rows) + "x" + std::to_string(cols) +
                                               " is not usable (columns must be a positive multiple of 32, <= 2^18)");
  QuantMatrix m;
  m.rows = rows;
  m.cols = cols;
  m.data = data;
  switch (ggml_type) {
    case kGgmlQ4_0: m.format = WeightFormat::q4; m.block_bytes = 18; m.quant_offset = 2; break;
    case kGgmlQ4_1: m.format = WeightFormat::q4; m.block_bytes = 20; m.quant_offset = 4; break;
    case kGgmlQ8_0: m.format = WeightFormat::q8_0; m.block_bytes = 34; m.quant_offset = 2; break;
    default:
      return Error(Status::unsupported_model,
                   "weight type " + std::to_string(ggml_type) + " is not supported by the engine yet (Q4_0, Q4_1, Q8_0 are)");
  }
  const int nb = m.blocks_per_row();
  m.row_bytes = static_cast<std::size_t>(nb) * m.block_bytes;
  m.scale.resize(static_cast<std::size_t>(rows) * nb);
  if (m.format == WeightFormat::q4) m.offset.resize(static_cast<std::size_t>(rows) * nb);
  m.row_factor.resize(rows);

  std::vector<double> d(nb), mins(nb);
  for (int r = 0; r < rows; ++r) {
    const std::uint8_t* row = data + static_cast<std::size_t>(r) * m.row_bytes;
    double max_abs = 0.0;
    for (int b = 0; b < nb; ++b) {
      const std::uint8_t* blk = row + static_cast<std::size_t>(b) * m.block_bytes;
      d[b] = static_cast<double>(gguf::fp16_to_f32(load_le16(blk)));
      if (ggml_type == kGgmlQ4_1) mins[b] = static_cast<double>(gguf::fp16_to_f32(load_le16(blk + 2)));
      else if (ggml_type == kGgmlQ4_0) mins[b] = -8.0 * d[b];
      else mins[b] = 0.0;
      if (!std::isfinite(d[b]) || !std::isfinite(mins[b]))
        return Error(Status::corrupt_data, "weight block scale is not finite");
      max_abs = std::max({max_abs, std::fabs(d[b]), std::fabs(mins[b])});
    }
    int exponent = 0;  // max_abs < 2^k
    if (max_abs > 0.0) std::frexp(max_abs, &exponent);
    const int shift = max_abs > 0.0 ? kScaleBits - exponent : 0;
    m.row_factor[r] = static_cast<float>(std::ldexp(1.0, -shift));
    for (int b = 0; b < nb; ++b) {
      const std::size_t i = static_cast<std::size_t>(r) * nb + b;
      m.scale[i] = static_cast<std::int32_t>(det::round_to_i64(std::ldexp(d[b], shift)));
      if (m.format == WeightFormat::q4)
        m.offset[i] = static_cast<std::int32_t>(det::round_to_i64(std::ldexp(mins[b], shift)));
    }
  }
  return m;
}

void QuantActivations::resize(int n_rows, int n_cols) {
  rows = n_rows;
  cols = n_cols;
  const std::size_t n = static_cast<std::size_t>(n_rows) * n_cols;
  if (q.size() < n) q.resize(n);
  if (scale.size() < static_cast<std::size_t>(n_rows)) scale.resize(n_rows);
  const std::size_t nb = static_cast<std::size_t>(n_rows) * (n_cols / kBlock);
  if (block_sum.size() < nb) block_sum.resize(nb);
}

float quantize_i16(const float* x, int n, std::int16_t* q) noexcept {
  float amax = 0.0f;
  for (int i = 0; i < n; ++i) amax = std::max(amax, std::fabs(x[i]));
  if (!(amax > 0.0f) || !std::isfinite(amax)) {
    // Zero (or non-finite, which the engine never produces) vectors quantise to zero.
    std::fill(q, q + n, std::int16_t{0});
    return 0.0f;
  }
  const float inv = 32767.0f / amax;
  for (int i = 0; i < n; ++i) {
    float v = x[i] * inv;
    v = std::min(32767.0f, std::max(-32767.0f, v));
    q[i] = static_cast<std::int16_t>(det::round_small(v));
  }
  return amax / 32767.0f;
}

void quantize_activations(const float* x, int rows, int cols, QuantActivations& out) {
  out.resize(rows, cols);
  quantize_activation_rows(x, 0, rows, out);
}

void quantize_activation_rows(const float* x, int row_begin, int row_end, QuantActivations& out) {
  const int cols = out.cols;
  const int nb = cols / kBlock;
  for (int t = row_begin; t < row_end; ++t) {
    std::int16_t* qr = out.q.data() + static_cast<std::size_t>(t) * cols;
    out.scale[t] = quantize_i16(x + static_cast<std::size_t>(t) * cols, cols, qr);
    std::int32_t* bs = out.block_sum.data() + static_cast<std::size_t>(t) * nb;
    for (int b = 0; b < nb; ++b) {
      std::int32_t s = 0;
      for (int i = 0; i < kBlock; ++i) s += qr[b * kBlock + i];
      bs[b] = s;
    }
  }
}

void matmul_scalar(const QuantMatrix& w, const QuantActivations& x, int row_begin, int row_end, float* y,
                   int y_stride) {
  const int nb = w.blocks_per_row();
  for (int j = row_begin; j < row_end; ++j) {
    const std::uint8_t* row = w.data + static_cast<std::size_t>(j) * w.row_bytes;
    const std::int32_t* dscale = w.scale.data() + static_cast<std::size_t>(j) * nb;
    const std::int32_t* moffset = w.format == WeightFormat::q4 ? w.offset.data() + static_cast<std::size_t>(j) * nb : nullptr;
    for (int t = 0; t < x.rows; ++t) {
      const std::int16_t* xq = x.q.data() + static_cast<std::size_t>(t) * x.cols;
      const std::int32_t* xsum = x.block_sum.data() + static_cast<std::size_t>(t) * nb;
      std::int64_t acc = 0;
      for (int b = 0; b < nb; ++b) {
        const std::uint8_t* qs = row + static_cast<std::size_t>(b) * w.block_bytes + w.quant_offset;
        const std::int16_t* xb = xq + b * kBlock;
        std::int32_t s = 0;
        if (w.format == WeightFormat::q4) {
          // Nibble order (GGUF): element i < 16 is the low nibble of byte i, element i+16 its high one.
          for (int i = 0; i < 16; ++i) {
            s += static_cast<std::int32_t>(qs[i] & 0x0F) * xb[i];
            s += static_cast<std::int32_t>(qs[i] >> 4) * xb[i + 16];
          }
          acc += static_cast<std::int64_t>(dscale[b]) * s + static_cast<std::int64_t>(moffset[b]) * xsum[b];
        } else {
          for (int i = 0; i < kBlock; ++i) s += static_cast<std::int32_t>(static_cast<std::int8_t>(qs[i])) * xb[i];
          acc += static_cast<std::int64_t>(dscale[b]) * s;
        }
      }
      y[static_cast<std::size_t>(t) * y_stride + j] = static_cast<float>(acc) * (x.scale[t] * w.row_factor[j]);
    }
  }
}

}  // namespace llmz::kern
