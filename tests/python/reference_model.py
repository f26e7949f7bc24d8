#!/usr/bin/env python3
"""Float64 reference forward pass for llama-family GGUF models (DESIGN D6's yardstick).

An implementation independent of the C++ engine: plain numpy in float64 over weights dequantised by
the PyPI `gguf` package (gguf.quants.dequantize). It is the accuracy reference that the integer
pipeline is measured against (D6: at most 1% larger compressed size), so it favours clarity over
speed: the whole sequence is evaluated at once with a causal mask.

Architecture (llama; Qwen2-style attention biases and an untied `output.weight` are optional):

    x = token_embd[tokens]                                    # [n, d]
    for each block:
        h = rmsnorm(x) * attn_norm
        q, k, v = h @ Wq.T (+bq), h @ Wk.T (+bk), h @ Wv.T (+bv)
        q, k = rope(q), rope(k)                               # per head, position = index in sequence
        x += attention(q, k, v) @ Wo.T                        # GQA: head h reads kv head h // (H / H_kv)
        h = rmsnorm(x) * ffn_norm
        x += (silu(h @ Wgate.T) * (h @ Wup.T)) @ Wdown.T
    logits = (rmsnorm(x) * output_norm) @ Wout.T             # Wout = output.weight, else token_embd

Layout: a GGUF tensor with dims ne = [ne0, ne1] stores ne0 contiguously (the input dimension);
`gguf` returns it shaped (ne1, ne0) = [out, in], so y = W @ x (here: Y = X @ W.T over rows).

RoPE: the HF->GGUF converter permutes the llama q/k rows so that llama.cpp's "normal" RoPE applies:
rotate ADJACENT pairs (x[2i], x[2i+1]) by pos * theta^(-2i/n_rot). Qwen2 and others use the NeoX
form: pairs (x[i], x[i + n_rot/2]). Only the first n_rot = rope.dimension_count dims of a head rotate.

CLI:
    reference_model.py MODEL --tokens TOKENS.bin [--out logits.npy | --out stats.json]
    reference_model.py MODEL --text FILE [--max-tokens N] [--out ...]   # reference tokenizer, token 0 first
    reference_model.py MODEL --generate "The capital of France is" [--steps 8]
TOKENS.bin is little-endian int32 ids. The CLI prints the cross-entropy in bits/token, i.e. the mean
over i in 0..n-2 of -log2 softmax(logits[i])[tokens[i+1]], and the top-1 accuracy.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

import numpy as np

# llama.cpp's RoPE mode per architecture: "normal" (adjacent pairs) or "neox" (half split).
_NEOX_ARCHS = {"qwen2", "qwen2moe", "qwen3", "qwen3moe", "phi2", "phi3", "gptneox", "stablelm",
               "falcon", "starcoder2", "gemma", "gemma2", "gemma3", "olmo2", "bert", "nomic-bert"}


def _field(reader, key, default=None):
    f = reader.fields.get(key)
    if f is None:
        return default
    v = f.contents()
    return v


class ReferenceModel:
    """Float64 forward pass over a GGUF file. `logits(tokens)` -> [n, vocab] float64."""

    def __init__(self, path, rope_mode: str | None = None, verbose: bool = False):
        import gguf  # imported here so that `import reference_model` alone needs only numpy

        t0 = time.perf_counter()
        self.path = str(path)
        reader = gguf.GGUFReader(self.path)
        arch = _field(reader, "general.architecture", "llama")
        self.arch = arch

        def hp(name, default=None, required=True):
            v = _field(reader, f"{arch}.{name}", default)
            if v is None and required:
                raise ValueError(f"GGUF metadata {arch}.{name} is missing")
            return v

        self.n_layer = int(hp("block_count"))
        self.d_model = int(hp("embedding_length"))
        self.d_ff = int(hp("feed_forward_length"))
        self.n_head = int(hp("attention.head_count"))
        self.n_head_kv = int(hp("attention.head_count_kv", self.n_head))
        self.head_dim = int(hp("attention.key_length", self.d_model // self.n_head))
        self.n_rot = int(hp("rope.dimension_count", self.head_dim))
        self.rope_theta = float(hp("rope.freq_base", 10000.0))
        self.rms_eps = float(hp("attention.layer_norm_rms_epsilon", 1e-5))
        scaling_type = hp("rope.scaling.type", None, required=False)
        scaling_factor = hp("rope.scaling.factor", None, required=False)
        self.rope_pos_scale = 1.0
        if scaling_type == "linear" and scaling_factor:
            self.rope_pos_scale = 1.0 / float(scaling_factor)
        elif scaling_type not in (None, "none", "linear"):
            raise NotImplementedError(f"rope scaling type {scaling_type!r}")
        self.rope_mode = rope_mode or ("neox" if arch in _NEOX_ARCHS else "normal")
        if self.rope_mode not in ("normal", "neox"):
            raise ValueError(f"rope_mode must be 'normal' or 'neox', not {self.rope_mode!r}")
        if self.n_head % self.n_head_kv:
            raise ValueError("head_count is not a multiple of head_count_kv")

        # Tokenizer data, for the reference tokenizer (kept as plain Python lists).
        self.token_strings = _field(reader, "tokenizer.ggml.tokens")
        self.token_types = _field(reader, "tokenizer.ggml.token_type")
        self.merges = _field(reader, "tokenizer.ggml.merges")
        self.vocab_size = len(self.token_strings) if self.token_strings is not None else None

        tensors = {t.name: t for t in reader.tensors}

        def weight(name, required=True):
            t = tensors.get(name)
            if t is None:
                if required:
                    raise ValueError(f"tensor {name} is missing")
                return None
            shape = tuple(int(x) for x in reversed(list(t.shape)))  # (ne1, ne0) = [out, in]
            if t.tensor_type in (gguf.GGMLQuantizationType.F32, gguf.GGMLQuantizationType.F64):
                w = np.asarray(t.data, dtype=np.float64)
            else:
                w = gguf.quants.dequantize(t.data, t.tensor_type).astype(np.float64)
            return np.ascontiguousarray(w.reshape(shape))

        self.tok_embd = weight("token_embd.weight")                   # [vocab, d]
        if self.vocab_size is None:
            self.vocab_size = self.tok_embd.shape[0]
        out = weight("output.weight", required=False)                 # [vocab, d] or tied
        self.output = out if out is not None else self.tok_embd
        self.output_norm = weight("output_norm.weight")               # [d]
        self.rope_freq_factors = weight("rope_freqs.weight", required=False)  # [n_rot/2] (Llama 3.1)

        self.layers = []
        for i in range(self.n_layer):
            p = f"blk.{i}."
            L = {
                "attn_norm": weight(p + "attn_norm.weight"),          # [d]
                "wq": weight(p + "attn_q.weight"),                   # [H*hd, d]
                "wk": weight(p + "attn_k.weight"),                   # [Hkv*hd, d]
                "wv": weight(p + "attn_v.weight"),                   # [Hkv*hd, d]
                "wo": weight(p + "attn_output.weight"),              # [d, H*hd]
                "bq": weight(p + "attn_q.bias", required=False),
                "bk": weight(p + "attn_k.bias", required=False),
                "bv": weight(p + "attn_v.bias", required=False),
                "bo": weight(p + "attn_output.bias", required=False),
                "ffn_norm": weight(p + "ffn_norm.weight"),            # [d]
                "w_gate": weight(p + "ffn_gate.weight"),             # [ff, d]
                "w_up": weight(p + "ffn_up.weight"),                 # [ff, d]
                "w_down": weight(p + "ffn_down.weight"),             # [d, ff]
            }
            assert L["wq"].shape == (self.n_head * self.head_dim, self.d_model), L["wq"].shape
            assert L["wk"].shape == (self.n_head_kv * self.head_dim, self.d_model), L["wk"].shape
            self.layers.append(L)
        del tensors, reader
        self.load_seconds = time.perf_counter() - t0
        if verbose:
            print(f"reference: loaded {self.path} ({self.arch}, {self.n_layer} layers, d={self.d_model}, "
                  f"heads {self.n_head}/{self.n_head_kv}, rope {self.rope_mode}) in "
                  f"{self.load_seconds:.1f}s", file=sys.stderr)

    # --- pieces -------------------------------------------------------------------------------

    def _rmsnorm(self, x, w):
        return x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + self.rms_eps) * w

    def _rope_tables(self, n):
        half = self.n_rot // 2
        inv_freq = self.rope_theta ** (-2.0 * np.arange(half, dtype=np.float64) / self.n_rot)
        if self.rope_freq_factors is not None:
            inv_freq = inv_freq / self.rope_freq_factors
        ang = np.outer(np.arange(n, dtype=np.float64) * self.rope_pos_scale, inv_freq)  # [n, half]
        return np.cos(ang)[:, None, :], np.sin(ang)[:, None, :]                        # [n, 1, half]

    def _rope(self, x, cos, sin):
        """x: [n, heads, head_dim]; rotates the first n_rot dims of each head."""
        x = x.copy()
        r = x[..., : self.n_rot]
        if self.rope_mode == "normal":
            a, b = r[..., 0::2].copy(), r[..., 1::2].copy()
            r[..., 0::2] = a * cos - b * sin
            r[..., 1::2] = a * sin + b * cos
        else:
            half = self.n_rot // 2
            a, b = r[..., :half].copy(), r[..., half:].copy()
            r[..., :half] = a * cos - b * sin
            r[..., half:] = a * sin + b * cos
        return x

    # --- forward ------------------------------------------------------------------------------

    def hidden(self, tokens):
        """Final normalised hidden states [n, d] for the whole sequence (causal)."""
        tokens = np.asarray(tokens, dtype=np.int64)
        if tokens.ndim != 1 or tokens.size == 0:
            raise ValueError("tokens must be a non-empty 1-D sequence")
        if tokens.min() < 0 or tokens.max() >= self.tok_embd.shape[0]:
            raise ValueError("token id out of range")
        n = tokens.size
        H, Hkv, hd = self.n_head, self.n_head_kv, self.head_dim
        G = H // Hkv
        cos, sin = self._rope_tables(n)
        mask = np.triu(np.ones((n, n), dtype=bool), k=1)  # True above the diagonal: future positions
        scale = 1.0 / math.sqrt(hd)

        x = self.tok_embd[tokens].astype(np.float64)      # [n, d]
        for L in self.layers:
            h = self._rmsnorm(x, L["attn_norm"])
            q = h @ L["wq"].T
            k = h @ L["wk"].T
            v = h @ L["wv"].T
            if L["bq"] is not None:
                q = q + L["bq"]
            if L["bk"] is not None:
                k = k + L["bk"]
            if L["bv"] is not None:
                v = v + L["bv"]
            q = self._rope(q.reshape(n, H, hd), cos, sin)    # [n, H, hd]
            k = self._rope(k.reshape(n, Hkv, hd), cos, sin)  # [n, Hkv, hd]
            v = v.reshape(n, Hkv, hd)
            # Query head h = kv * G + g uses kv head `kv` = h // G.
            qg = q.reshape(n, Hkv, G, hd).transpose(1, 2, 0, 3)        # [Hkv, G, n, hd]
            kt = k.transpose(1, 2, 0)[:, None]                          # [Hkv, 1, hd, n]
            s = (qg @ kt) * scale                                       # [Hkv, G, n, n]
            s[..., mask] = -np.inf
            s -= s.max(axis=-1, keepdims=True)
            p = np.exp(s)
            p /= p.sum(axis=-1, keepdims=True)
            o = p @ v.transpose(1, 0, 2)[:, None]                       # [Hkv, G, n, hd]
            o = o.transpose(2, 0, 1, 3).reshape(n, H * hd)             # [n, H*hd], head-major
            att = o @ L["wo"].T
            if L["bo"] is not None:
                att = att + L["bo"]
            x = x + att
            h = self._rmsnorm(x, L["ffn_norm"])
            g = h @ L["w_gate"].T
            u = h @ L["w_up"].T
            x = x + ((g / (1.0 + np.exp(-g))) * u) @ L["w_down"].T
        return self._rmsnorm(x, self.output_norm)

    def logits(self, tokens):
        """[n, vocab] float64; row i predicts token i+1 from tokens[0..i]."""
        return self.hidden(tokens) @ self.output.T

    def generate(self, tokens, steps):
        """Greedy continuation (recomputes the whole sequence each step: slow but simple)."""
        tokens = list(tokens)
        for _ in range(steps):
            h = self.hidden(tokens)[-1]
            tokens.append(int(np.argmax(self.output @ h)))
        return tokens

    # --- reference tokenizer --------------------------------------------------------------------

    def tokenizer(self):
        """The reference tokenizer (PyPI `tokenizers`) built from the GGUF's vocabulary and merges.

        GPT-2 byte-level BPE; pre-tokenizer "smollm"-style: individual digits, then the GPT-2 regex.
        Suits tokenizer.ggml.model == gpt2 with pre in (smollm, default gpt2-like); others: no promise.
        """
        from tokenizers import AddedToken, Tokenizer, decoders, models, pre_tokenizers

        vocab = {s: i for i, s in enumerate(self.token_strings)}
        merges = [tuple(m.split(" ", 1)) for m in self.merges]
        tok = Tokenizer(models.BPE(vocab, merges, fuse_unk=False, byte_fallback=False))
        tok.pre_tokenizer = pre_tokenizers.Sequence([
            pre_tokenizers.Digits(individual_digits=True),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True),
        ])
        tok.decoder = decoders.ByteLevel()
        if self.token_types is not None:
            special = [self.token_strings[i] for i, t in enumerate(self.token_types) if int(t) == 3]
            tok.add_special_tokens([AddedToken(s, special=True, normalized=False) for s in special])
        return tok


# --- statistics ---------------------------------------------------------------------------------

def log_softmax(logits):
    m = logits.max(axis=-1, keepdims=True)
    z = logits - m
    return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))


def cross_entropy_bits(logits, tokens):
    """Per-position bits, -log2 softmax(logits[i])[tokens[i+1]] for i in 0..n-2."""
    tokens = np.asarray(tokens, dtype=np.int64)
    lp = log_softmax(logits[:-1])
    return -lp[np.arange(tokens.size - 1), tokens[1:]] / math.log(2.0)


def stats(logits, tokens, n_bytes=None):
    bits = cross_entropy_bits(logits, tokens)
    top1 = float(np.mean(np.argmax(logits[:-1], axis=-1) == np.asarray(tokens[1:])))
    s = {"tokens": int(len(tokens)), "predicted": int(bits.size), "bits_per_token": float(bits.mean()),
         "total_bits": float(bits.sum()), "top1": top1}
    if n_bytes:
        s["bytes"] = int(n_bytes)
        s["bits_per_byte"] = float(bits.sum() / n_bytes)
    return s


def read_tokens(path):
    return np.fromfile(path, dtype="<i4").astype(np.int64)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("model", help="GGUF file")
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument("--tokens", help="little-endian int32 token ids (the context start included)")
    src.add_argument("--text", help="text file: reference-tokenized, token 0 prepended")
    src.add_argument("--generate", metavar="PROMPT", help="greedy continuation of PROMPT")
    ap.add_argument("--steps", type=int, default=8, help="tokens to generate (--generate)")
    ap.add_argument("--max-tokens", type=int, help="keep only the first N ids (context start included)")
    ap.add_argument("--rope", choices=["normal", "neox"], help="override the architecture's RoPE mode")
    ap.add_argument("--out", help="write logits (*.npy) or statistics (anything else, JSON)")
    ap.add_argument("--tokens-out", help="write the ids used (int32 LE)")
    a = ap.parse_args(argv)

    t0 = time.perf_counter()
    model = ReferenceModel(a.model, rope_mode=a.rope, verbose=True)
    n_bytes = None
    if a.generate is not None:
        tok = model.tokenizer()
        ids = [0] + tok.encode(a.generate).ids
        t1 = time.perf_counter()
        out = model.generate(ids, a.steps)
        cont = tok.decode(out[len(ids):], skip_special_tokens=False)
        print(json.dumps({"prompt": a.generate, "continuation": cont, "ids": out[len(ids):],
                          "seconds": round(time.perf_counter() - t1, 2)}))
        return 0
    if a.text is not None:
        data = Path(a.text).read_bytes()
        tok = model.tokenizer()
        text = data.decode("utf-8")
        ids = tok.encode(text).ids
        if tok.decode(ids, skip_special_tokens=False) != text:
            print("reference: warning: the reference tokenizer does not round-trip this text", file=sys.stderr)
        tokens = np.array([0] + ids, dtype=np.int64)
        if a.max_tokens is None or a.max_tokens >= tokens.size:
            n_bytes = len(data)
    else:
        tokens = read_tokens(a.tokens)
    if a.max_tokens is not None:
        tokens = tokens[: a.max_tokens]
    if a.tokens_out:
        tokens.astype("<i4").tofile(a.tokens_out)
    t1 = time.perf_counter()
    logits = model.logits(tokens)
    fwd = time.perf_counter() - t1
    s = stats(logits, tokens, n_bytes)
    s.update({"rope": model.rope_mode, "load_seconds": round(model.load_seconds, 2),
              "forward_seconds": round(fwd, 2), "total_seconds": round(time.perf_counter() - t0, 2)})
    print(json.dumps(s))
    if a.out:
        if a.out.endswith(".npy"):
            np.save(a.out, logits)
        else:
            Path(a.out).write_text(json.dumps(s, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
