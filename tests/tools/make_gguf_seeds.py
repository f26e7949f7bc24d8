"""Writes seed files for the GGUF fuzzer (tests/fuzz/corpus/fuzz_gguf/) with the PyPI gguf package.

    .venv/bin/python tests/tools/make_gguf_seeds.py tests/fuzz/corpus/fuzz_gguf

Deterministic (fixed random seed): all_types.gguf (one small tensor of each supported type),
v2.gguf (the same file as GGUF version 2), metadata.gguf (a key of every value type, nested
arrays, alignment 64), bf16/q4_0/q4_k.gguf (one tensor each). Every file stays well under 8 KB
so that libFuzzer spends its mutations on the interesting bytes. (f16/f32/q4_1/q6_k/q8_0.gguf
in that directory were made earlier by other means.)
"""
import sys

import gguf
import numpy as np

Q = gguf.GGMLQuantizationType
V = gguf.GGUFValueType


def random_blocks(rng, qtype, n_blocks):
    """Random raw blocks (gguf 0.19 cannot quantise K-types) with small finite fp16 scales."""
    _, type_size = gguf.GGML_QUANT_SIZES[qtype]
    raw = rng.integers(0, 256, (n_blocks, type_size), dtype=np.uint8)
    scale_fields = [208] if qtype == Q.Q6_K else ([0, 2] if qtype in (Q.Q4_1, Q.Q4_K) else [0])
    for at in scale_fields:
        raw[:, at:at + 2] = rng.uniform(0.01, 0.1, n_blocks).astype(np.float16).view(np.uint8).reshape(n_blocks, 2)
    return raw


def write(path, tensors, kv=(), alignment=None):
    w = gguf.GGUFWriter(str(path), "llama")
    if alignment:
        w.add_custom_alignment(alignment)
    w.add_block_count(2)
    w.add_name("seed")
    for key, value, vtype, sub_type in kv:
        w.add_key_value(key, value, vtype, sub_type=sub_type)
    for name, (data, qtype) in tensors.items():
        w.add_tensor(name, data, raw_dtype=qtype)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


def main(out):
    rng = np.random.default_rng(5)
    x = rng.standard_normal((2, 256)).astype(np.float32)
    tokens = [("tokenizer.ggml.tokens", ["a", "bc", ""], V.ARRAY, None)]
    write(f"{out}/bf16.gguf", {"t": (gguf.quants.quantize(x, Q.BF16), Q.BF16)}, tokens)
    write(f"{out}/q4_0.gguf", {"t": (gguf.quants.quantize(x, Q.Q4_0), Q.Q4_0)}, tokens)
    write(f"{out}/q4_k.gguf", {"t": (random_blocks(rng, Q.Q4_K, 2), Q.Q4_K)}, tokens)
    all_types = {
        "f32": (np.arange(8, dtype=np.float32).reshape(2, 4), Q.F32),
        "f16": (np.arange(12, dtype=np.float16).reshape(3, 4), Q.F16),
        "bf16": (gguf.quants.quantize(np.arange(4, dtype=np.float32), Q.BF16), Q.BF16),
        "q4_0": (gguf.quants.quantize(x[:, :64], Q.Q4_0), Q.Q4_0),
        "q4_1": (gguf.quants.quantize(x[:1, :32], Q.Q4_1), Q.Q4_1),
        "q8_0": (gguf.quants.quantize(x[:, :32].reshape(2, 1, 32), Q.Q8_0), Q.Q8_0),
        "q4_k": (random_blocks(rng, Q.Q4_K, 1), Q.Q4_K),
        "q6_k": (random_blocks(rng, Q.Q6_K, 2).reshape(2, 1, 1, 210), Q.Q6_K),
    }
    write(f"{out}/all_types.gguf", all_types)
    kv = [
        ("k.u8", 200, V.UINT8, None), ("k.i8", -100, V.INT8, None), ("k.u16", 60000, V.UINT16, None),
        ("k.i16", -30000, V.INT16, None), ("k.u32", 4000000000, V.UINT32, None), ("k.i32", -2000000000, V.INT32, None),
        ("k.f32", 0.5, V.FLOAT32, None), ("k.bool", True, V.BOOL, None), ("k.str", "smollm\n", V.STRING, None),
        ("k.u64", 2**63 + 5, V.UINT64, None), ("k.i64", -2**62, V.INT64, None), ("k.f64", -2.25, V.FLOAT64, None),
        ("k.strings", ["<s>", "", "\u00e9"], V.ARRAY, None), ("k.u8s", [1, 2, 3], V.ARRAY, V.UINT8),
        ("k.i64s", [-1, 2**40], V.ARRAY, V.INT64), ("k.u64s", [1, 2**31], V.ARRAY, V.UINT64),
        ("k.f32s", [1.5, 2.5], V.ARRAY, V.FLOAT32), ("k.f64s", [1e-300, 1e300], V.ARRAY, V.FLOAT64),
        ("k.bools", [True, False], V.ARRAY, V.BOOL), ("k.nested", [[1, 2], [3]], V.ARRAY, None),
        ("k.nested_strings", [["a"], ["b", "c"]], V.ARRAY, None),
    ]
    write(f"{out}/metadata.gguf", {"a": (all_types["q8_0"][0], Q.Q8_0), "b": (all_types["f16"][0], Q.F16)}, kv,
          alignment=64)
    # Version 2: the same layout with the version field changed.
    with open(f"{out}/all_types.gguf", "rb") as f:
        data = bytearray(f.read())
    data[4:8] = (2).to_bytes(4, "little")
    with open(f"{out}/v2.gguf", "wb") as f:
        f.write(bytes(data))


if __name__ == "__main__":
    main(sys.argv[1])
