#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "gguf/quant_blocks.h"
#include "kernels/dispatch.h"
#include "kernels/qmatmul.h"

namespace llmz {
namespace {

struct Format {
  std::uint32_t ggml_type;
  std::size_t block_bytes;
};
constexpr Format kFormats[] = {{kern::kGgmlQ4_0, 18}, {kern::kGgmlQ4_1, 20}, {kern::kGgmlQ8_0, 34}};

// A random fp16 of magnitude 2^-10..2^-2 (or an exact zero now and then).
std::uint16_t random_fp16(std::mt19937& rng, bool allow_negative) {
  const std::uint16_t sign = allow_negative && (rng() & 1) ? 0x8000 : 0;
  if (rng() % 50 == 0) return sign;
  const std::uint16_t exponent = static_cast<std::uint16_t>(5 + rng() % 9);
  return static_cast<std::uint16_t>(sign | (exponent << 10) | (rng() & 0x3FF));
}

std::vector<std::uint8_t> random_blocks(const Format& f, int rows, int cols, std::mt19937& rng) {
  const int nb = cols / kern::kBlock;
  std::vector<std::uint8_t> data(static_cast<std::size_t>(rows) * nb * f.block_bytes);
  for (std::size_t off = 0; off < data.size(); off += f.block_bytes) {
    std::uint8_t* blk = data.data() + off;
    const std::uint16_t d = random_fp16(rng, f.ggml_type == kern::kGgmlQ8_0);
    std::memcpy(blk, &d, 2);
    std::size_t q = 2;
    if (f.ggml_type == kern::kGgmlQ4_1) {
      const std::uint16_t m = random_fp16(rng, true);
      std::memcpy(blk + 2, &m, 2);
      q = 4;
    }
    for (std::size_t i = q; i < f.block_bytes; ++i) blk[i] = static_cast<std::uint8_t>(rng());
  }
  return data;
}

std::vector<float> random_activations(int rows, int cols, std::mt19937& rng) {
  std::normal_distribution<float> dist(0.0f, 1.0f);
  std::vector<float> x(static_cast<std::size_t>(rows) * cols);
  for (float& v : x) v = dist(rng);
  if (rows > 2) std::fill(x.begin() + cols, x.begin() + 2 * cols, 0.0f);  // an all-zero row
  if (!x.empty()) x[0] = 40.0f;                                          // an outlier
  return x;
}

// Dequantised weight w[j][i] in binary64, straight from the GGUF definition.
double weight_value(const Format& f, const std::uint8_t* data, int cols, int j, int i) {
  const int nb = cols / kern::kBlock;
  const std::uint8_t* blk = data + (static_cast<std::size_t>(j) * nb + i / 32) * f.block_bytes;
  std::uint16_t d16, m16 = 0;
  std::memcpy(&d16, blk, 2);
  const double d = gguf::fp16_to_f32(d16);
  const int k = i % 32;
  if (f.ggml_type == kern::kGgmlQ8_0) return d * static_cast<std::int8_t>(blk[2 + k]);
  const std::uint8_t* qs = blk + (f.ggml_type == kern::kGgmlQ4_1 ? 4 : 2);
  const int q = k < 16 ? (qs[k] & 0x0F) : (qs[k - 16] >> 4);
  if (f.ggml_type == kern::kGgmlQ4_0) return d * (q - 8);
  std::memcpy(&m16, blk + 2, 2);
  return d * q + gguf::fp16_to_f32(m16);
}

TEST(QMatmul, ScalarIsCloseToExactProduct) {
  std::mt19937 rng(7);
  for (const Format& f : kFormats) {
    const int rows = 13, cols = 96, tokens = 5;
    const auto data = random_blocks(f, rows, cols, rng);
    auto m = kern::prepare_matrix(f.ggml_type, data.data(), rows, cols);
    ASSERT_TRUE(m.ok()) << m.error().message();
    const auto x = random_activations(tokens, cols, rng);
    kern::QuantActivations qa;
    kern::quantize_activations(x.data(), tokens, cols, qa);
    std::vector<float> y(static_cast<std::size_t>(tokens) * rows);
    kern::matmul_scalar(m.value(), qa, 0, rows, y.data(), rows);
    for (int t = 0; t < tokens; ++t) {
      for (int j = 0; j < rows; ++j) {
        double want = 0, mag = 0, weight_mag = 0;
        for (int i = 0; i < cols; ++i) {
          const double w = weight_value(f, data.data(), cols, j, i);
          const double p = w * x[static_cast<std::size_t>(t) * cols + i];
          want += p;
          mag += std::fabs(p);
          weight_mag += std::fabs(w);
        }
        // Activation rounding moves each x by at most half a quantisation step.
        const double bound = 0.5 * qa.scale[t] * weight_mag * 1.001 + 1e-5 * mag + 1e-30;
        EXPECT_NEAR(y[static_cast<std::size_t>(t) * rows + j], want, bound)
            << "type " << f.ggml_type << " t " << t << " j " << j;
      }
    }
  }
}

TEST(QMatmul, EverySimdKernelEqualsScalar) {
  std::mt19937 rng(11);
  const auto sets = kern::available_kernel_sets();
  ASSERT_EQ(std::string(sets.front()->name), "scalar");
  for (const Format& f : kFormats) {
    // Every partial tile (1..7 tokens), whole tiles, and both; 18 and 48 blocks per row.
    for (int tokens : {1, 2, 3, 4, 5, 6, 7, 8, 9, 16, 23}) {
      const int rows = 37, cols = tokens % 2 == 0 ? 1536 : 576;
      const auto data = random_blocks(f, rows, cols, rng);
      auto m = kern::prepare_matrix(f.ggml_type, data.data(), rows, cols);
      ASSERT_TRUE(m.ok());
      const auto x = random_activations(tokens, cols, rng);
      kern::QuantActivations qa;
      kern::quantize_activations(x.data(), tokens, cols, qa);
      std::vector<float> want(static_cast<std::size_t>(tokens) * rows);
      kern::matmul_scalar(m.value(), qa, 0, rows, want.data(), rows);
      for (const kern::KernelSet* s : sets) {
        std::vector<float> got(want.size(), -1.0f);
        s->matmul(m.value(), qa, 0, 20, got.data(), rows);  // split the rows unevenly
        s->matmul(m.value(), qa, 20, rows, got.data(), rows);
        EXPECT_EQ(0, std::memcmp(got.data(), want.data(), want.size() * sizeof(float)))
            << s->name << " type " << f.ggml_type << " tokens " << tokens;
      }
    }
  }
}

TEST(QMatmul, RejectsBadShapesAndTypes) {
  std::vector<std::uint8_t> data(1024);
  EXPECT_EQ(kern::prepare_matrix(kern::kGgmlQ8_0, data.data(), 1, 33).status(), Status::invalid_argument);
  EXPECT_EQ(kern::prepare_matrix(kern::kGgmlQ8_0, data.data(), 0, 32).status(), Status::invalid_argument);
  EXPECT_EQ(kern::prepare_matrix(kern::kGgmlQ8_0, nullptr, 1, 32).status(), Status::invalid_argument);
  EXPECT_EQ(kern::prepare_matrix(12 /* Q4_K */, data.data(), 1, 256).status(), Status::unsupported_model);
  const std::uint16_t inf16 = 0x7C00;
  std::memcpy(data.data(), &inf16, 2);
  EXPECT_EQ(kern::prepare_matrix(kern::kGgmlQ8_0, data.data(), 1, 32).status(), Status::corrupt_data);
}

TEST(QMatmul, QuantizeI16) {
  const float x[5] = {1.0f, -2.0f, 0.5f, 0.0f, 2.0f};
  std::int16_t q[5];
  const float s = kern::quantize_i16(x, 5, q);
  EXPECT_EQ(s, 2.0f / 32767.0f);
  EXPECT_EQ(q[1], -32767);
  EXPECT_EQ(q[4], 32767);
  EXPECT_EQ(q[3], 0);
  EXPECT_EQ(q[0], 16384);  // 16383.5 rounds to even
  const float zeros[3] = {0, 0, 0};
  EXPECT_EQ(kern::quantize_i16(zeros, 3, q), 0.0f);
  EXPECT_EQ(q[0], 0);
}

}  // namespace
}  // namespace llmz
