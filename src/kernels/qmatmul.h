// Integer matrix multiplication over GGUF block-quantised weights (docs/DETERMINISM.md, "Matmul").
//
// Contract:
//  - y[t][j] = (float)acc[t][j] * (x.scale[t] * w.row_factor[j]), where acc is the EXACT int64
//    value  sum_b ( D[j][b] * sum_i q[j][b][i] * xq[t][b][i]  +  M[j][b] * xsum[t][b] ).
//    Because acc is an exact integer, any summation order, SIMD width, tiling or thread split
//    gives the same bits; the single float conversion and two multiplies are fixed.
//  - Weights stay views into the mapped GGUF; only the per-block fp16 scales are re-expressed at
//    load time as integers D, M at a per-row power of two (row_factor = 2^-e), exact for every
//    block scale within 2^11 of its row's largest.
//  - Activations are quantised per row to int16 with one float scale (quantize_activations).
//  - Every SIMD kernel is tested == against the scalar one (tests/unit/kernels).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "common/result.h"

namespace llmz::kern {

inline constexpr int kBlock = 32;  // elements per quantisation block, for every supported format

enum class WeightFormat : std::uint8_t {
  q4,    // 4-bit unsigned nibbles q in [0,15]: GGUF Q4_0 (M = -8 D) and Q4_1 (M from m)
  q8_0,  // int8 q: GGUF Q8_0 (M = 0)
};

// A weight matrix [rows][cols], row j being output feature j, prepared for integer evaluation.
struct QuantMatrix {
  WeightFormat format = WeightFormat::q8_0;
  int rows = 0;
  int cols = 0;                        // a multiple of kBlock
  const std::uint8_t* data = nullptr;  // the GGUF blocks, row after row (a view)
  std::size_t row_bytes = 0;
  std::size_t block_bytes = 0;         // 18 (Q4_0), 20 (Q4_1) or 34 (Q8_0)
  std::size_t quant_offset = 0;        // where q starts inside a block
  std::vector<std::int32_t> scale;     // D: [rows][cols/kBlock]
  std::vector<std::int32_t> offset;    // M: [rows][cols/kBlock] (empty for q8_0)
  std::vector<float> row_factor;       // 2^-e per row

  int blocks_per_row() const noexcept { return cols / kBlock; }
};

// GGUF tensor type ids handled here (ggml numbering).
inline constexpr std::uint32_t kGgmlQ4_0 = 2;
inline constexpr std::uint32_t kGgmlQ4_1 = 3;
inline constexpr std::uint32_t kGgmlQ8_0 = 8;

// Prepares a view of `rows` rows of `cols` elements of GGUF type `ggml_type` at `data`.
// Errors: unsupported_model for other types; invalid_argument for bad shapes.
Result<QuantMatrix> prepare_matrix(std::uint32_t ggml_type, const std::uint8_t* data, int rows, int cols);

// T activation rows of `cols` elements, quantised: xq = round(x * 32767 / amax), |xq| <= 32767.
struct QuantActivations {
  int rows = 0;
  int cols = 0;
  std::vector<std::int16_t> q;          // [rows][cols]
  std::vector<float> scale;             // [rows]: x ~= q * scale, scale = amax / 32767
  std::vector<std::int32_t> block_sum;  // [rows][cols/kBlock]: sum of q over each block

  void resize(int n_rows, int n_cols);  // allocates only when growing
};

// Quantises one vector to int16: q = round(x * 32767 / amax); returns the scale amax / 32767
// (0 for an all-zero vector). Used for activations, attention queries and the KV cache.
float quantize_i16(const float* x, int n, std::int16_t* q) noexcept;

// Quantises x[rows][cols] (row stride `cols`) into out (which is resized).
void quantize_activations(const float* x, int rows, int cols, QuantActivations& out);
// The same for rows [row_begin, row_end) only, into an `out` already resized to (rows, cols): lets
// callers split rows across threads.
void quantize_activation_rows(const float* x, int row_begin, int row_end, QuantActivations& out);

// y[t * y_stride + j] for t in [0, x.rows), j in [row_begin, row_end).
using MatmulFn = void (*)(const QuantMatrix& w, const QuantActivations& x, int row_begin, int row_end,
                          float* y, int y_stride);

void matmul_scalar(const QuantMatrix& w, const QuantActivations& x, int row_begin, int row_end, float* y,
                   int y_stride);

}  // namespace llmz::kern
