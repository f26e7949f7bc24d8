// Engine: the deterministic forward pass, from tokens to integer frequency tables.
//
// Contract (DESIGN.md D1, docs/DETERMINISM.md): the table written for a position is a pure
// function of (model weights, cdf_bits, the tokens of its own sequence up to that position). It
// does not depend on the thread count, on which other sequences share a step, on whether the
// position was evaluated in a prefill or one token at a time, or on the kernel set in use.
//  - prefill(seq, tokens, freqs): appends tokens to seq; row i of freqs (vocab entries) is the
//    table predicting the token after tokens[i].
//  - step(seqs, tokens, freqs): lock-step decoding: appends tokens[b] to seqs[b]; row b of freqs
//    predicts seqs[b]'s next token. Sequences must be distinct.
// Errors (nothing is appended then): invalid_argument for a token id outside the vocabulary, a
// sequence whose capacity would be exceeded, a freqs span of the wrong size, or a Sequence made
// for another model shape.
// An Engine is not thread-safe (it owns scratch memory and a thread pool); use one per thread.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "common/result.h"
#include "common/thread_pool.h"
#include "kernels/dispatch.h"
#include "kernels/qmatmul.h"
#include "model/model.h"

namespace llmz {

// One sequence's key/value cache, quantised to int16 per (position, kv head) with a float scale.
class Sequence {
 public:
  Sequence(const ModelConfig& config, int capacity);

  int length() const noexcept { return length_; }
  int capacity() const noexcept { return capacity_; }
  void clear() noexcept { length_ = 0; }

 private:
  friend class Engine;
  std::size_t slot(int layer, int pos) const noexcept {
    return (static_cast<std::size_t>(layer) * capacity_ + pos) * n_head_kv_;
  }
  int n_layer_;
  int n_head_kv_;
  int head_dim_;
  int capacity_;
  int length_ = 0;
  std::vector<std::int16_t> k_, v_;       // [layer][capacity][n_kv][head_dim]
  std::vector<float> k_scale_, v_scale_;  // [layer][capacity][n_kv]
};

struct EngineOptions {
  int threads = 0;        // 0: one per hardware thread
  int cdf_bits = 24;      // frequency tables sum to 2^cdf_bits
  int max_batch = 64;     // rows evaluated per internal pass (bounds scratch memory)
  const kern::KernelSet* kernels = nullptr;  // nullptr: kern::active_kernels()
};

class Engine {
 public:
  static Result<std::unique_ptr<Engine>> create(const Model& model, const EngineOptions& options);

  const Model& model() const noexcept { return model_; }
  int vocab() const noexcept { return model_.config().vocab; }
  int cdf_bits() const noexcept { return options_.cdf_bits; }
  int threads() const noexcept { return pool_.threads(); }
  const char* kernel_name() const noexcept { return kernels_->name; }

  Status prefill(Sequence& seq, std::span<const std::int32_t> tokens, std::span<std::uint32_t> freqs);
  Status step(std::span<Sequence* const> seqs, std::span<const std::int32_t> tokens, std::span<std::uint32_t> freqs);

 private:
  struct Row {
    Sequence* seq;
    int pos;
    std::int32_t token;
  };
  Engine(const Model& model, const EngineOptions& options);
  Status check_sequence(const Sequence& seq, std::size_t extra) const;
  // Evaluates up to max_batch rows; writes their frequency tables to freqs[row * vocab].
  void forward(const std::vector<Row>& rows, std::uint32_t* freqs);
  void rms_norm(const float* weight, int n_rows);  // x_ -> xn_
  void matmul(const kern::QuantMatrix& w, float* y, int y_stride);  // rows of qa_
  void add_residual(int n_rows);  // x_ += xn_
  void quantize(const float* x, int n_rows, int cols);  // -> qa_
  void attention(const std::vector<Row>& rows, int layer);
  // Splits `items` into threads() contiguous parts and calls fn(part, begin, end) for each, so
  // each part can use its own scratch_[part].
  template <typename Fn>
  void for_each_part(std::size_t items, Fn&& fn);

  const Model& model_;
  EngineOptions options_;
  const kern::KernelSet* kernels_;
  ThreadPool pool_;
  std::vector<Row> rows_;
  // Scratch, sized once for max_batch rows.
  std::vector<float> x_, xn_, q_, k_, v_, att_, gate_, up_, logits_;
  std::vector<float> rope_cos_, rope_sin_;  // [row][head_dim/2]
  kern::QuantActivations qa_;
  // Per-thread scratch (index = part of a parallel_for over threads()).
  struct ThreadScratch {
    std::vector<std::uint64_t> cdf;
    std::vector<float> score;
    std::vector<std::int32_t> weight;
    std::vector<std::int64_t> acc;  // [head_dim]
    std::vector<std::int16_t> q;    // [max(d_model, head_dim)]
  };
  std::vector<ThreadScratch> scratch_;
};

}  // namespace llmz
