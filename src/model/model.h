// Model: a llama-family transformer's configuration and weights, as views into a GGUF file.
//
// Contract: load() validates everything the forward pass relies on (architecture, shapes, tensor
// types, finite scales) and fails with unsupported_model / missing_key / type_mismatch and a
// clear reason otherwise; after a successful load the engine needs no further checks. The
// GgufFile (and so the mapped weights) is owned by the Model. Nothing here computes activations.
// Supported: architectures llama (RoPE on adjacent pairs) and qwen2 (RoPE on split halves,
// q/k/v biases); matrices Q4_0, Q4_1, Q8_0; norms F32.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "gguf/gguf.h"
#include "kernels/qmatmul.h"

namespace llmz {

enum class RopeStyle : std::uint8_t { adjacent_pairs, split_halves };

struct ModelConfig {
  std::string architecture;
  int n_layer = 0;
  int d_model = 0;
  int n_head = 0;
  int n_head_kv = 0;
  int head_dim = 0;
  int d_ff = 0;
  int vocab = 0;
  int context_length = 0;  // the model's trained context
  float rope_base = 10000.0f;
  float norm_eps = 1e-5f;
  RopeStyle rope_style = RopeStyle::adjacent_pairs;
};

struct LayerWeights {
  const float* attn_norm = nullptr;  // [d_model]
  kern::QuantMatrix wq, wk, wv, wo;  // [n_head*hd x d], [n_kv*hd x d], [n_kv*hd x d], [d x n_head*hd]
  const float* bq = nullptr;         // optional biases (qwen2)
  const float* bk = nullptr;
  const float* bv = nullptr;
  const float* ffn_norm = nullptr;   // [d_model]
  kern::QuantMatrix w_gate, w_up, w_down;  // [d_ff x d], [d_ff x d], [d x d_ff]
};

class Model {
 public:
  static Result<std::unique_ptr<Model>> load(const std::string& path);
  static Result<std::unique_ptr<Model>> from_gguf(gguf::GgufFile file);

  const ModelConfig& config() const noexcept { return config_; }
  const gguf::GgufFile& gguf() const noexcept { return file_; }
  const std::vector<LayerWeights>& layers() const noexcept { return layers_; }
  const kern::QuantMatrix& token_embedding() const noexcept { return token_embd_; }
  const kern::QuantMatrix& output() const noexcept { return output_ ? *output_ : token_embd_; }
  const float* output_norm() const noexcept { return output_norm_; }
  // RoPE inverse frequencies base^(-2i/head_dim) / factor_i for i < head_dim/2, computed once in
  // binary64 with the deterministic exp/log of kernels/detmath.h.
  const std::vector<double>& rope_inv_freq() const noexcept { return rope_inv_freq_; }

  // Dequantises token `id`'s embedding row into out[d_model] (binary32, d * q per element).
  void embed(int id, float* out) const noexcept;

 private:
  explicit Model(gguf::GgufFile file) : file_(std::move(file)) {}
  Error init();

  gguf::GgufFile file_;
  ModelConfig config_;
  std::vector<LayerWeights> layers_;
  kern::QuantMatrix token_embd_;
  std::optional<kern::QuantMatrix> output_;
  const float* output_norm_ = nullptr;
  const gguf::TensorInfo* token_embd_info_ = nullptr;
  std::vector<double> rope_inv_freq_;
};

}  // namespace llmz
