"""The GGUF reader against the PyPI `gguf` package: dequantisation bit for bit, on synthetic files
of every supported type and on the real default model; hostile files fail cleanly."""
import subprocess

import gguf
import numpy as np
import pytest

from conftest import tool

TYPES = ["F32", "F16", "BF16", "Q4_0", "Q4_1", "Q8_0", "Q4_K", "Q6_K"]


def dump(build_dir, *args):
    return subprocess.run([str(tool(build_dir, "gguf_dump")), *map(str, args)], capture_output=True, text=True)


def sample_data(rng, rows, cols):
    x = rng.standard_normal((rows, cols)).astype(np.float32)
    x[0, :40] = 0.0                   # zeros
    x[1] *= 1e-4                      # tiny
    x[2] *= 3e3                       # huge
    x[3] = -np.abs(x[3])              # all negative
    return x


def quantised(qtype, x, rng):
    if qtype in (gguf.GGMLQuantizationType.Q4_K, gguf.GGMLQuantizationType.Q6_K):
        # gguf 0.19 cannot quantise K-types: random blocks with sane fp16 scales instead.
        block_size, type_size = gguf.GGML_QUANT_SIZES[qtype]
        n_blocks = x.size // block_size
        raw = rng.integers(0, 256, size=(n_blocks, type_size), dtype=np.uint8)
        scales = rng.uniform(0.001, 0.1, size=(n_blocks, 2)).astype(np.float16).view(np.uint8)
        if qtype == gguf.GGMLQuantizationType.Q4_K:
            raw[:, 0:4] = scales                     # d, dmin
        else:
            raw[:, type_size - 2:] = scales[:, :2]  # d
        return raw.reshape(x.shape[0], -1)
    return gguf.quants.quantize(x, qtype)


@pytest.mark.parametrize("name", TYPES)
def test_dequantisation_is_bit_exact(name, build_dir, tmp_path):
    rng = np.random.default_rng(TYPES.index(name))
    qtype = gguf.GGMLQuantizationType[name]
    x = sample_data(rng, 6, 512)
    data = quantised(qtype, x, rng)
    path = tmp_path / f"{name}.gguf"
    w = gguf.GGUFWriter(str(path), "llama")
    w.add_tensor("t", data, raw_dtype=qtype)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    out = tmp_path / "out.f32"
    r = dump(build_dir, "dequant", path, "t", out)
    assert r.returncode == 0, r.stderr
    got = np.fromfile(out, dtype="<f4").reshape(6, 512)
    want = gguf.quants.dequantize(data, qtype).astype(np.float32).reshape(6, 512)
    assert np.array_equal(got.view(np.uint32), want.view(np.uint32)), f"{name}: first difference at {np.argwhere(got.view(np.uint32) != want.view(np.uint32))[0]}"


def test_default_model_loads(build_dir, model_path):
    r = dump(build_dir, "info", model_path)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert "version 3" in lines
    assert "tensors 272" in lines
    tensor_types = [line.split()[2] for line in lines if line.startswith("tensor ")]
    assert {t: tensor_types.count(t) for t in set(tensor_types)} == {"Q4_1": 210, "F32": 61, "Q8_0": 1}
    assert "kv llama.block_count u32 30" in lines
    assert 'kv tokenizer.ggml.pre string "smollm"' in lines


@pytest.mark.parametrize("tensor", ["token_embd.weight", "blk.0.attn_q.weight", "blk.0.attn_norm.weight",
                                    "blk.29.ffn_down.weight"])
def test_default_model_dequantisation_is_bit_exact(tensor, build_dir, model_path, tmp_path):
    reader = gguf.GGUFReader(str(model_path))
    t = next(t for t in reader.tensors if t.name == tensor)
    want = gguf.quants.dequantize(t.data, t.tensor_type).astype(np.float32).reshape(-1)
    out = tmp_path / "out.f32"
    r = dump(build_dir, "dequant", model_path, tensor, out)
    assert r.returncode == 0, r.stderr
    got = np.fromfile(out, dtype="<f4")
    assert got.shape == want.shape
    assert np.array_equal(got.view(np.uint32), want.view(np.uint32))


def test_hostile_files_fail_cleanly(build_dir, model_path, tmp_path):
    header = model_path.read_bytes()[:200000]
    rng = np.random.default_rng(7)
    cases = {
        "truncated_header": header[:1000],
        "truncated_tensor_table": header,
        "garbage_after_magic": b"GGUF" + rng.integers(0, 256, 5000, dtype=np.uint8).tobytes(),
        "not_gguf": b"PK\x03\x04" + bytes(100),
        "empty": b"",
    }
    for name, data in cases.items():
        p = tmp_path / name
        p.write_bytes(data)
        r = dump(build_dir, "info", p)
        assert r.returncode == 1, f"{name}: exit {r.returncode} (a signal is negative)\n{r.stderr}"
        assert r.stderr.startswith("gguf_dump: "), r.stderr
