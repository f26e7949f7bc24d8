#include "model/model.h"

#include <bit>
#include <cmath>

#include "gguf/dequantize.h"
#include "kernels/detmath.h"

namespace llmz {
namespace {

static_assert(std::endian::native == std::endian::little,
              "weights are read in place from the little-endian GGUF file");

Error unsupported(const std::string& why) { return Error(Status::unsupported_model, why); }

Result<int> get_int(const gguf::GgufFile& f, const std::string& key, int lo, int hi) {
  auto v = f.get_u64(key);
  if (!v.ok()) return v.error();
  if (v.value() < static_cast<std::uint64_t>(lo) || v.value() > static_cast<std::uint64_t>(hi))
    return Error(Status::unsupported_model, key + " = " + std::to_string(v.value()) + " is outside [" +
                                                std::to_string(lo) + ", " + std::to_string(hi) + "]");
  return static_cast<int>(v.value());
}

// A 1-D F32 tensor of exactly n elements (norm weights, biases); optional ones may be absent.
Result<const float*> vector_tensor(const gguf::GgufFile& f, const std::string& name, int n, bool required) {
  const gguf::TensorInfo* t = f.find_tensor(name);
  if (t == nullptr) {
    if (required) return Error(Status::missing_key, "tensor " + name + " is missing");
    return static_cast<const float*>(nullptr);
  }
  if (t->type != gguf::TensorType::F32) return unsupported("tensor " + name + " must be F32");
  if (t->n_elements != static_cast<std::uint64_t>(n))
    return unsupported("tensor " + name + " has " + std::to_string(t->n_elements) + " elements, expected " +
                       std::to_string(n));
  for (int i = 0; i < n; ++i) {
    if (!std::isfinite(reinterpret_cast<const float*>(t->data)[i]))
      return Error(Status::corrupt_data, "tensor " + name + " holds a non-finite value");
  }
  return reinterpret_cast<const float*>(t->data);
}

// A matrix with `rows` output features of `cols` inputs (GGUF ne = [cols, rows]).
Result<kern::QuantMatrix> matrix_tensor(const gguf::GgufFile& f, const std::string& name, int rows, int cols) {
  const gguf::TensorInfo* t = f.find_tensor(name);
  if (t == nullptr) return Error(Status::missing_key, "tensor " + name + " is missing");
  if (t->n_dims != 2 || t->ne[0] != static_cast<std::uint64_t>(cols) || t->ne[1] != static_cast<std::uint64_t>(rows))
    return unsupported("tensor " + name + " has shape [" + std::to_string(t->ne[0]) + ", " + std::to_string(t->ne[1]) +
                       "], expected [" + std::to_string(cols) + ", " + std::to_string(rows) + "]");
  auto m = kern::prepare_matrix(static_cast<std::uint32_t>(t->type), t->data, rows, cols);
  if (!m.ok()) return Error(m.error().status, "tensor " + name + ": " + m.error().detail);
  return std::move(m).value();
}

}  // namespace

Result<std::unique_ptr<Model>> Model::load(const std::string& path) {
  auto file = gguf::GgufFile::open(path);
  if (!file.ok()) return file.error();
  return from_gguf(std::move(file).value());
}

Result<std::unique_ptr<Model>> Model::from_gguf(gguf::GgufFile file) {
  std::unique_ptr<Model> model(new Model(std::move(file)));
  if (Error e = model->init()) return e;
  return model;
}

Error Model::init() {
  const gguf::GgufFile& f = file_;
  auto arch = f.get_string("general.architecture");
  if (!arch.ok()) return arch.error();
  ModelConfig& c = config_;
  c.architecture = std::string(arch.value());
  if (c.architecture == "llama") {
    c.rope_style = RopeStyle::adjacent_pairs;
  } else if (c.architecture == "qwen2") {
    c.rope_style = RopeStyle::split_halves;
  } else {
    return unsupported("architecture '" + c.architecture + "' is not supported (llama, qwen2 are)");
  }
  const std::string a = c.architecture + ".";
  struct IntKey { int* dst; const char* key; int lo; int hi; };
  const IntKey keys[] = {
      {&c.n_layer, "block_count", 1, 1024},          {&c.d_model, "embedding_length", 32, 65536},
      {&c.n_head, "attention.head_count", 1, 1024},  {&c.n_head_kv, "attention.head_count_kv", 1, 1024},
      {&c.d_ff, "feed_forward_length", 32, 1 << 18}, {&c.context_length, "context_length", 1, 1 << 24},
  };
  for (const IntKey& k : keys) {
    auto v = get_int(f, a + k.key, k.lo, k.hi);
    if (!v.ok()) return v.error();
    *k.dst = v.value();
  }
  if (c.d_model % c.n_head != 0 || c.n_head % c.n_head_kv != 0)
    return unsupported("head counts do not divide the model width");
  c.head_dim = c.d_model / c.n_head;
  if (f.find(a + "rope.dimension_count") != nullptr) {
    auto rd = get_int(f, a + "rope.dimension_count", 2, 1 << 16);
    if (!rd.ok()) return rd.error();
    if (rd.value() != c.head_dim) return unsupported("partial rotary embeddings are not supported");
  }
  if (c.head_dim % 32 != 0 || c.head_dim > 512) return unsupported("head size must be a multiple of 32, at most 512");
  if (f.find(a + "rope.freq_base") != nullptr) {
    auto base = f.get_f64(a + "rope.freq_base");
    if (!base.ok()) return base.error();
    if (!(base.value() > 1.0 && base.value() < 1e12)) return unsupported("rope.freq_base out of range");
    c.rope_base = static_cast<float>(base.value());
  }
  if (f.find(a + "rope.scaling.type") != nullptr) {
    auto type = f.get_string(a + "rope.scaling.type");
    if (type.ok() && type.value() != "none") return unsupported("RoPE scaling '" + std::string(type.value()) + "' is not supported");
  }
  auto eps = f.get_f64(a + "attention.layer_norm_rms_epsilon");
  if (!eps.ok()) return eps.error();
  if (!(eps.value() > 0.0 && eps.value() < 1.0)) return unsupported("RMSNorm epsilon out of range");
  c.norm_eps = static_cast<float>(eps.value());

  const gguf::TensorInfo* embd = f.find_tensor("token_embd.weight");
  if (embd == nullptr) return Error(Status::missing_key, "tensor token_embd.weight is missing");
  if (embd->n_dims != 2 || embd->ne[0] != static_cast<std::uint64_t>(c.d_model) || embd->ne[1] < 256 ||
      embd->ne[1] > (1u << 20))
    return unsupported("token_embd.weight has an unexpected shape");
  c.vocab = static_cast<int>(embd->ne[1]);
  token_embd_info_ = embd;

  const int q_dim = c.n_head * c.head_dim;
  const int kv_dim = c.n_head_kv * c.head_dim;
  layers_.resize(c.n_layer);
  for (int l = 0; l < c.n_layer; ++l) {
    LayerWeights& w = layers_[l];
    const std::string p = "blk." + std::to_string(l) + ".";
    struct Mat { kern::QuantMatrix* dst; const char* name; int rows; int cols; };
    const Mat mats[] = {
        {&w.wq, "attn_q.weight", q_dim, c.d_model},     {&w.wk, "attn_k.weight", kv_dim, c.d_model},
        {&w.wv, "attn_v.weight", kv_dim, c.d_model},    {&w.wo, "attn_output.weight", c.d_model, q_dim},
        {&w.w_gate, "ffn_gate.weight", c.d_ff, c.d_model}, {&w.w_up, "ffn_up.weight", c.d_ff, c.d_model},
        {&w.w_down, "ffn_down.weight", c.d_model, c.d_ff},
    };
    for (const Mat& m : mats) {
      auto r = matrix_tensor(f, p + m.name, m.rows, m.cols);
      if (!r.ok()) return r.error();
      *m.dst = std::move(r).value();
    }
    struct Vec { const float** dst; const char* name; int n; bool required; };
    const Vec vecs[] = {
        {&w.attn_norm, "attn_norm.weight", c.d_model, true}, {&w.ffn_norm, "ffn_norm.weight", c.d_model, true},
        {&w.bq, "attn_q.bias", q_dim, false}, {&w.bk, "attn_k.bias", kv_dim, false}, {&w.bv, "attn_v.bias", kv_dim, false},
    };
    for (const Vec& v : vecs) {
      auto r = vector_tensor(f, p + v.name, v.n, v.required);
      if (!r.ok()) return r.error();
      *v.dst = r.value();
    }
  }
  auto onorm = vector_tensor(f, "output_norm.weight", c.d_model, true);
  if (!onorm.ok()) return onorm.error();
  output_norm_ = onorm.value();
  if (f.find_tensor("output.weight") != nullptr) {
    auto out = matrix_tensor(f, "output.weight", c.vocab, c.d_model);
    if (!out.ok()) return out.error();
    output_ = std::move(out).value();
  } else {
    auto tied = matrix_tensor(f, "token_embd.weight", c.vocab, c.d_model);
    if (!tied.ok()) return tied.error();
    token_embd_ = std::move(tied).value();
  }

  // RoPE frequencies, optionally divided by per-dimension factors (Llama 3.1 style rope_freqs).
  const int half = c.head_dim / 2;
  auto factors = vector_tensor(f, "rope_freqs.weight", half, false);
  if (!factors.ok()) return factors.error();
  const double log_base = det::log_f64(static_cast<double>(c.rope_base));
  rope_inv_freq_.resize(half);
  for (int i = 0; i < half; ++i) {
    double inv = det::exp_f64(-(2.0 * i / c.head_dim) * log_base);
    if (factors.value() != nullptr) inv = inv / static_cast<double>(factors.value()[i]);
    rope_inv_freq_[i] = inv;
  }
  return Error();
}

void Model::embed(int id, float* out) const noexcept {
  const gguf::TensorInfo& t = *token_embd_info_;
  const std::uint8_t* row = t.data + static_cast<std::size_t>(id) * t.row_bytes;
  (void)gguf::dequantize_row(t.type, row, out, static_cast<std::uint64_t>(config_.d_model));
}

}  // namespace llmz
