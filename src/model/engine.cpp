#include "model/engine.h"

#include <algorithm>
#include <cmath>

#include "kernels/cdf.h"
#include "kernels/detmath.h"

namespace llmz {

Sequence::Sequence(const ModelConfig& c, int capacity)
    : n_layer_(c.n_layer), n_head_kv_(c.n_head_kv), head_dim_(c.head_dim), capacity_(std::max(capacity, 0)) {
  const std::size_t slots = static_cast<std::size_t>(n_layer_) * capacity_ * n_head_kv_;
  k_.resize(slots * head_dim_);
  v_.resize(slots * head_dim_);
  k_scale_.resize(slots);
  v_scale_.resize(slots);
}

Engine::Engine(const Model& model, const EngineOptions& options)
    : model_(model),
      options_(options),
      kernels_(options.kernels != nullptr ? options.kernels : &kern::active_kernels()),
      pool_(options.threads) {
  const ModelConfig& c = model.config();
  const std::size_t r = static_cast<std::size_t>(options_.max_batch);
  x_.resize(r * c.d_model);
  xn_.resize(r * c.d_model);
  q_.resize(r * c.n_head * c.head_dim);
  att_.resize(r * c.n_head * c.head_dim);
  k_.resize(r * c.n_head_kv * c.head_dim);
  v_.resize(r * c.n_head_kv * c.head_dim);
  gate_.resize(r * c.d_ff);
  up_.resize(r * c.d_ff);
  logits_.resize(r * c.vocab);
  rope_cos_.resize(r * c.head_dim / 2);
  rope_sin_.resize(r * c.head_dim / 2);
  qa_.resize(options_.max_batch, std::max(c.d_ff, c.n_head * c.head_dim));
  scratch_.resize(pool_.threads());
  for (ThreadScratch& s : scratch_) {
    s.cdf.resize(c.vocab);
    s.q.resize(std::max(c.d_model, c.head_dim));
    s.acc.resize(c.head_dim);
  }
}

Result<std::unique_ptr<Engine>> Engine::create(const Model& model, const EngineOptions& options) {
  if (!kern::cdf_bits_valid(options.cdf_bits, model.config().vocab))
    return Error(Status::invalid_argument, "cdf_bits " + std::to_string(options.cdf_bits) +
                                               " is invalid for a vocabulary of " +
                                               std::to_string(model.config().vocab));
  if (options.max_batch < 1 || options.max_batch > 4096)
    return Error(Status::invalid_argument, "max_batch must be in [1, 4096]");
  if (options.threads < 0 || options.threads > 1024) return Error(Status::invalid_argument, "threads must be in [0, 1024]");
  return std::unique_ptr<Engine>(new Engine(model, options));
}

Status Engine::check_sequence(const Sequence& seq, std::size_t extra) const {
  const ModelConfig& c = model_.config();
  if (seq.n_layer_ != c.n_layer || seq.n_head_kv_ != c.n_head_kv || seq.head_dim_ != c.head_dim)
    return Status::invalid_argument;
  if (extra > static_cast<std::size_t>(seq.capacity_ - seq.length_)) return Status::invalid_argument;
  return Status::ok;
}

Status Engine::prefill(Sequence& seq, std::span<const std::int32_t> tokens, std::span<std::uint32_t> freqs) {
  const int vocab = model_.config().vocab;
  if (check_sequence(seq, tokens.size()) != Status::ok) return Status::invalid_argument;
  if (freqs.size() != tokens.size() * static_cast<std::size_t>(vocab)) return Status::invalid_argument;
  for (std::int32_t t : tokens)
    if (t < 0 || t >= vocab) return Status::invalid_argument;
  std::size_t done = 0;
  while (done < tokens.size()) {
    const std::size_t n = std::min<std::size_t>(tokens.size() - done, static_cast<std::size_t>(options_.max_batch));
    rows_.clear();
    for (std::size_t i = 0; i < n; ++i) rows_.push_back({&seq, seq.length_ + static_cast<int>(i), tokens[done + i]});
    forward(rows_, freqs.data() + done * vocab);
    seq.length_ += static_cast<int>(n);
    done += n;
  }
  return Status::ok;
}

Status Engine::step(std::span<Sequence* const> seqs, std::span<const std::int32_t> tokens,
                    std::span<std::uint32_t> freqs) {
  const int vocab = model_.config().vocab;
  if (seqs.size() != tokens.size() || freqs.size() != tokens.size() * static_cast<std::size_t>(vocab))
    return Status::invalid_argument;
  for (std::size_t b = 0; b < seqs.size(); ++b) {
    if (seqs[b] == nullptr || check_sequence(*seqs[b], 1) != Status::ok) return Status::invalid_argument;
    if (tokens[b] < 0 || tokens[b] >= vocab) return Status::invalid_argument;
    for (std::size_t o = 0; o < b; ++o)
      if (seqs[o] == seqs[b]) return Status::invalid_argument;
  }
  std::size_t done = 0;
  while (done < seqs.size()) {
    const std::size_t n = std::min<std::size_t>(seqs.size() - done, static_cast<std::size_t>(options_.max_batch));
    rows_.clear();
    for (std::size_t i = 0; i < n; ++i) rows_.push_back({seqs[done + i], seqs[done + i]->length_, tokens[done + i]});
    forward(rows_, freqs.data() + done * vocab);
    for (std::size_t i = 0; i < n; ++i) seqs[done + i]->length_ += 1;
    done += n;
  }
  return Status::ok;
}

// RMSNorm with an exact integer sum of squares (docs/DETERMINISM.md "RMSNorm"):
//   q = quantize_i16(x), s = its scale, ss = sum q^2 (int64)
//   r = 1 / sqrt(((float)ss * (s * s)) / n + eps),   y_i = (x_i * r) * w_i
template <typename Fn>
void Engine::for_each_part(std::size_t items, Fn&& fn) {
  const std::size_t parts = static_cast<std::size_t>(pool_.threads());
  pool_.parallel_for(parts, [&](std::size_t part_begin, std::size_t part_end) {
    for (std::size_t part = part_begin; part < part_end; ++part) {
      const std::size_t begin = items * part / parts;
      const std::size_t end = items * (part + 1) / parts;
      if (begin < end) fn(part, begin, end);
    }
  });
}

void Engine::rms_norm(const float* weight, int n_rows) {
  const int d = model_.config().d_model;
  const float eps = model_.config().norm_eps;
  for_each_part(static_cast<std::size_t>(n_rows), [&](std::size_t part, std::size_t begin, std::size_t end) {
    std::int16_t* qbuf = scratch_[part].q.data();
    for (std::size_t t = begin; t < end; ++t) {
      const float* x = x_.data() + t * d;
      float* y = xn_.data() + t * d;
      const float s = kern::quantize_i16(x, d, qbuf);
      std::int64_t ss = 0;
      for (int i = 0; i < d; ++i) ss += static_cast<std::int64_t>(qbuf[i]) * qbuf[i];
      const float mean_sq = (static_cast<float>(ss) * (s * s)) / static_cast<float>(d);
      const float r = 1.0f / std::sqrt(mean_sq + eps);
      for (int i = 0; i < d; ++i) y[i] = (x[i] * r) * weight[i];
    }
  });
}

void Engine::quantize(const float* x, int n_rows, int cols) {
  qa_.resize(n_rows, cols);
  for_each_part(static_cast<std::size_t>(n_rows), [&](std::size_t, std::size_t begin, std::size_t end) {
    kern::quantize_activation_rows(x, static_cast<int>(begin), static_cast<int>(end), qa_);
  });
}

void Engine::add_residual(int n_rows) {
  for_each_part(static_cast<std::size_t>(n_rows) * model_.config().d_model, [&](std::size_t, std::size_t begin, std::size_t end) {
    for (std::size_t i = begin; i < end; ++i) x_[i] = x_[i] + xn_[i];
  });
}

// y[row][j] = W x for every activation row quantised in qa_.
void Engine::matmul(const kern::QuantMatrix& w, float* y, int y_stride) {
  pool_.parallel_for(
      static_cast<std::size_t>(w.rows),
      [&](std::size_t begin, std::size_t end) {
        kernels_->matmul(w, qa_, static_cast<int>(begin), static_cast<int>(end), y, y_stride);
      },
      16);
}

// Attention for every (row, head), integer reductions throughout (docs/DETERMINISM.md "Attention").
void Engine::attention(const std::vector<Row>& rows, int layer) {
  const ModelConfig& c = model_.config();
  const int hd = c.head_dim;
  const int group = c.n_head / c.n_head_kv;
  const float inv_sqrt_hd = 1.0f / std::sqrt(static_cast<float>(hd));
  int max_len = 0;
  for (const Row& r : rows) max_len = std::max(max_len, r.pos + 1);
  for (ThreadScratch& s : scratch_) {
    if (s.score.size() < static_cast<std::size_t>(max_len)) {
      s.score.resize(max_len);
      s.weight.resize(max_len);
    }
  }
  const std::size_t items = rows.size() * static_cast<std::size_t>(c.n_head);
  for_each_part(items, [&](std::size_t part, std::size_t first, std::size_t last) {
    ThreadScratch& s = scratch_[part];
    for (std::size_t item = first; item < last; ++item) {
      const std::size_t r = item / c.n_head;
      const int h = static_cast<int>(item % c.n_head);
      const int kvh = h / group;
      const Row& row = rows[r];
      const Sequence& seq = *row.seq;
      const float* qv = q_.data() + (r * c.n_head + h) * hd;
      float* out = att_.data() + (r * c.n_head + h) * hd;
      const float sq = kern::quantize_i16(qv, hd, s.q.data());
      kern::AttentionHead head;
      head.q = s.q.data();
      head.q_factor = sq * inv_sqrt_hd;
      const std::size_t first_slot = seq.slot(layer, 0) + kvh;
      head.k = seq.k_.data() + first_slot * hd;
      head.v = seq.v_.data() + first_slot * hd;
      head.k_scale = seq.k_scale_.data() + first_slot;
      head.v_scale = seq.v_scale_.data() + first_slot;
      head.scale_stride = static_cast<std::size_t>(c.n_head_kv);  // slots between positions
      head.stride = head.scale_stride * hd;
      head.positions = row.pos + 1;
      head.head_dim = hd;
      kernels_->attend(head, {s.score.data(), s.weight.data(), s.acc.data()}, out);
    }
  });
}

void Engine::forward(const std::vector<Row>& rows, std::uint32_t* freqs) {
  const ModelConfig& c = model_.config();
  const int n = static_cast<int>(rows.size());
  const int d = c.d_model;
  const int hd = c.head_dim;
  const int half = hd / 2;
  const int q_dim = c.n_head * hd;
  const int kv_dim = c.n_head_kv * hd;

  for_each_part(static_cast<std::size_t>(n), [&](std::size_t, std::size_t begin, std::size_t end) {
    for (std::size_t r = begin; r < end; ++r) {
      model_.embed(rows[r].token, x_.data() + r * d);
      // RoPE angles for this row's position: binary64 product and sincos, rounded to binary32.
      for (int i = 0; i < half; ++i) {
        double sn = 0.0, cs = 0.0;
        det::sincos_f64(static_cast<double>(rows[r].pos) * model_.rope_inv_freq()[i], sn, cs);
        rope_cos_[r * half + i] = static_cast<float>(cs);
        rope_sin_[r * half + i] = static_cast<float>(sn);
      }
    }
  });
  auto rope = [&](float* v, int r) {
    const float* cs = rope_cos_.data() + static_cast<std::size_t>(r) * half;
    const float* sn = rope_sin_.data() + static_cast<std::size_t>(r) * half;
    for (int i = 0; i < half; ++i) {
      const int a = c.rope_style == RopeStyle::adjacent_pairs ? 2 * i : i;
      const int b = c.rope_style == RopeStyle::adjacent_pairs ? 2 * i + 1 : i + half;
      const float x0 = v[a];
      const float x1 = v[b];
      v[a] = x0 * cs[i] - x1 * sn[i];
      v[b] = x0 * sn[i] + x1 * cs[i];
    }
  };

  for (int l = 0; l < c.n_layer; ++l) {
    const LayerWeights& w = model_.layers()[l];
    rms_norm(w.attn_norm, n);
    quantize(xn_.data(), n, d);
    matmul(w.wq, q_.data(), q_dim);
    matmul(w.wk, k_.data(), kv_dim);
    matmul(w.wv, v_.data(), kv_dim);
    for_each_part(static_cast<std::size_t>(n), [&](std::size_t, std::size_t begin, std::size_t end) {
    for (std::size_t r = begin; r < end; ++r) {
      float* qr = q_.data() + static_cast<std::size_t>(r) * q_dim;
      float* kr = k_.data() + static_cast<std::size_t>(r) * kv_dim;
      float* vr = v_.data() + static_cast<std::size_t>(r) * kv_dim;
      if (w.bq != nullptr) for (int i = 0; i < q_dim; ++i) qr[i] = qr[i] + w.bq[i];
      if (w.bk != nullptr) for (int i = 0; i < kv_dim; ++i) kr[i] = kr[i] + w.bk[i];
      if (w.bv != nullptr) for (int i = 0; i < kv_dim; ++i) vr[i] = vr[i] + w.bv[i];
      for (int h = 0; h < c.n_head; ++h) rope(qr + h * hd, static_cast<int>(r));
      Sequence& seq = *rows[r].seq;
      for (int h = 0; h < c.n_head_kv; ++h) {
        rope(kr + h * hd, static_cast<int>(r));
        const std::size_t slot = seq.slot(l, rows[r].pos) + h;
        seq.k_scale_[slot] = kern::quantize_i16(kr + h * hd, hd, seq.k_.data() + slot * hd);
        seq.v_scale_[slot] = kern::quantize_i16(vr + h * hd, hd, seq.v_.data() + slot * hd);
      }
    }
    });
    attention(rows, l);
    quantize(att_.data(), n, q_dim);
    matmul(w.wo, xn_.data(), d);
    add_residual(n);

    rms_norm(w.ffn_norm, n);
    quantize(xn_.data(), n, d);
    matmul(w.w_gate, gate_.data(), c.d_ff);
    matmul(w.w_up, up_.data(), c.d_ff);
    for_each_part(static_cast<std::size_t>(n) * c.d_ff, [&](std::size_t, std::size_t begin, std::size_t end) {
      for (std::size_t i = begin; i < end; ++i) gate_[i] = det::silu(gate_[i]) * up_[i];
    });
    quantize(gate_.data(), n, c.d_ff);
    matmul(w.w_down, xn_.data(), d);
    add_residual(n);
  }

  rms_norm(model_.output_norm(), n);
  quantize(xn_.data(), n, d);
  matmul(model_.output(), logits_.data(), c.vocab);
  for_each_part(static_cast<std::size_t>(n), [&](std::size_t part, std::size_t begin, std::size_t end) {
    for (std::size_t r = begin; r < end; ++r) {
      kern::logits_to_frequencies(logits_.data() + r * c.vocab, c.vocab, options_.cdf_bits, freqs + r * c.vocab,
                                  scratch_[part].cdf.data(), kernels_->exp_array);
    }
  });
}

}  // namespace llmz
