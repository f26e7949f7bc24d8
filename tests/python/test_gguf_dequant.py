"""The GGUF reader (through tests/tools/gguf_dump) against the PyPI `gguf` package 0.19.0.

(a) Synthetic files written with gguf.GGUFWriter holding tensors of every supported type:
    `gguf_dump dequant` equals gguf.quants.dequantize bit for bit (uint32 views compared).
(b) The real default model: header, metadata and tensor table agree with gguf.GGUFReader, and
    tensors of each of its types dequantise bit for bit.
(c) Hostile files: exit status 1 and `gguf_dump: <status_name>: ...` on stderr, never a signal.
"""
import subprocess

import gguf
import numpy as np
import pytest

from conftest import tool

Q = gguf.GGMLQuantizationType
TYPES = ["F32", "F16", "BF16", "Q4_0", "Q4_1", "Q8_0", "Q4_K", "Q6_K"]
# The reader's error statuses (src/common/status.h names).
PARSE_STATUSES = {"truncated", "bad_magic", "unsupported_version", "out_of_bounds", "overflow", "bad_alignment",
                  "unknown_type", "duplicate_key", "type_mismatch", "corrupt_data"}
# Where the fp16 scales sit in a block: (d, and m / dmin when there is one).
SCALE_FIELDS = {Q.Q4_0: [0], Q.Q4_1: [0, 2], Q.Q8_0: [0], Q.Q4_K: [0, 2], Q.Q6_K: [208]}


def dump(build_dir, *args):
    return subprocess.run([str(tool(build_dir, "gguf_dump")), *map(str, args)], capture_output=True, text=True,
                          errors="replace")  # error details may quote raw bytes of a hostile file


def dequant_tool(build_dir, path, tensor, tmp_path):
    out = tmp_path / f"{tensor}.f32"
    r = dump(build_dir, "dequant", path, tensor, out)
    assert r.returncode == 0, f"{tensor}: exit {r.returncode}: {r.stderr}"
    return np.fromfile(out, dtype="<f4")


def assert_bits_equal(got, want, what):
    got = np.ascontiguousarray(got, dtype=np.float32).reshape(-1)
    want = np.ascontiguousarray(want, dtype=np.float32).reshape(-1)
    assert got.shape == want.shape, f"{what}: {got.shape} values, want {want.shape}"
    diff = np.flatnonzero(got.view(np.uint32) != want.view(np.uint32))
    assert diff.size == 0, (f"{what}: {diff.size} of {want.size} values differ, first at {diff[0]}: "
                            f"{got[diff[0]]!r} (0x{got.view(np.uint32)[diff[0]]:08x}) vs "
                            f"{want[diff[0]]!r} (0x{want.view(np.uint32)[diff[0]]:08x})")


def sample_data(rng, rows, cols):
    x = rng.standard_normal((rows, cols)).astype(np.float32)
    x[0, :40] = 0.0                   # zeros (a whole block of them)
    x[1] *= 1e-6                      # tiny
    x[2] *= 3e3                       # huge (still finite as fp16 scales and F16 values)
    x[3] = -np.abs(x[3])              # all negative
    x[4, ::2] = 0.0                   # zeros mixed in
    return x


def fp16_pool(rng, n):
    """Finite fp16 scale bit patterns: ordinary, zero, -0, subnormal, tiny, huge and negative."""
    special = np.array([0x0000, 0x8000, 0x0001, 0x03FF, 0x0400, 0x7BFF, 0xFBFF, 0x3C00, 0xBC00], dtype=np.uint16)
    ordinary = rng.uniform(-2.0, 2.0, n).astype(np.float16).view(np.uint16)
    pool = np.concatenate([special, ordinary])[:n]
    return rng.permutation(pool) if n > special.size else pool


def raw_blocks(qtype, n_blocks, rng, extreme):
    """Random raw blocks with finite fp16 scales (sane ones, or `extreme` ones from fp16_pool)."""
    _, type_size = gguf.GGML_QUANT_SIZES[qtype]
    raw = rng.integers(0, 256, size=(n_blocks, type_size), dtype=np.uint8)
    for at in SCALE_FIELDS[qtype]:
        if extreme:
            scales = fp16_pool(rng, n_blocks)
        else:
            scales = rng.uniform(0.001, 0.1, n_blocks).astype(np.float16).view(np.uint16)
            scales[::3] = (-rng.uniform(0.001, 0.1, scales[::3].size)).astype(np.float16).view(np.uint16)
        raw[:, at:at + 2] = scales.astype("<u2").view(np.uint8).reshape(n_blocks, 2)
    return raw


def synthetic_tensors(name, rng):
    """name -> (tensor data as GGUFWriter takes it, its type): several shapes and value ranges."""
    qtype = Q[name]
    out = {}
    if name == "F32":
        specials = np.array([0, 0x80000000, 0x7F800000, 0xFF800000, 0x7FC00000, 0x7F800001, 0xFFFFFFFF, 0x00000001,
                             0x007FFFFF, 0x00800000, 0x7F7FFFFF, 0x3F800000], dtype=np.uint32)
        out["specials"] = (np.resize(specials, (2, 64)).view(np.float32), qtype)
    if name == "F16":  # every binary16 value, NaN payloads and signalling NaNs included
        out["all_values"] = (np.arange(65536, dtype=np.uint32).astype(np.uint16).view(np.float16).reshape(256, 256), qtype)
    if name == "BF16":
        all_bf16 = np.arange(65536, dtype=np.uint32).astype("<u2").view(np.uint8).reshape(256, 512)
        out["all_values"] = (all_bf16, qtype)
    if qtype in (Q.Q4_K, Q.Q6_K):
        # gguf 0.19 cannot quantise K-types: random blocks with sane fp16 scales instead.
        out["random"] = (raw_blocks(qtype, 12, rng, extreme=False).reshape(6, -1), qtype)
    else:
        x = sample_data(rng, 6, 512)
        out["quantised"] = (gguf.quants.quantize(x, qtype), qtype)
        out["quantised_3d"] = (gguf.quants.quantize(sample_data(rng, 6, 256).reshape(2, 3, 256), qtype), qtype)
    if qtype in SCALE_FIELDS:
        block_size, _ = gguf.GGML_QUANT_SIZES[qtype]
        out["extreme_scales"] = (raw_blocks(qtype, 64, rng, extreme=True).reshape(8, -1), qtype)
        out["zeros"] = (np.zeros((2, gguf.GGML_QUANT_SIZES[qtype][1] * (512 // block_size)), dtype=np.uint8), qtype)
    return out


def write_gguf(path, tensors, kv=()):
    w = gguf.GGUFWriter(str(path), "llama")
    for key, value, vtype, sub_type in kv:
        w.add_key_value(key, value, vtype, sub_type=sub_type)
    for tname, (data, qtype) in tensors.items():
        w.add_tensor(tname, data, raw_dtype=qtype)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


@pytest.mark.parametrize("name", TYPES)
def test_synthetic_dequantisation_is_bit_exact(name, build_dir, tmp_path):
    rng = np.random.default_rng(1000 + TYPES.index(name))
    tensors = synthetic_tensors(name, rng)
    path = tmp_path / f"{name}.gguf"
    write_gguf(path, tensors)
    reader = gguf.GGUFReader(str(path))
    assert [t.name for t in reader.tensors] == list(tensors)
    for t in reader.tensors:
        data, qtype = tensors[t.name]
        assert t.tensor_type == qtype
        want = gguf.quants.dequantize(data, qtype).astype(np.float32)
        # The reference of what was written and of what the file holds agree...
        assert_bits_equal(gguf.quants.dequantize(t.data, t.tensor_type).astype(np.float32), want, f"{name}/{t.name} reader")
        # ...and the tool matches both, value by value and in ggml row order.
        got = dequant_tool(build_dir, path, t.name, tmp_path)
        assert got.size == int(np.prod(t.shape))
        assert_bits_equal(got, want, f"{name}/{t.name}")


def test_synthetic_metadata_of_every_type(build_dir, tmp_path):
    """Keys of every value type written by GGUFWriter, nested arrays included, read back by the tool."""
    V = gguf.GGUFValueType
    kv = [
        ("k.u8", 200, V.UINT8, None), ("k.i8", -100, V.INT8, None), ("k.u16", 60000, V.UINT16, None),
        ("k.i16", -30000, V.INT16, None), ("k.u32", 4000000000, V.UINT32, None), ("k.i32", -2000000000, V.INT32, None),
        ("k.f32", 0.5, V.FLOAT32, None), ("k.bool", True, V.BOOL, None), ("k.str", "smollm", V.STRING, None),
        ("k.u64", 2**63 + 5, V.UINT64, None), ("k.i64", -2**62, V.INT64, None), ("k.f64", -2.25, V.FLOAT64, None),
        ("k.strings", ["<s>", "", "é"], V.ARRAY, None), ("k.u8s", [1, 2, 3], V.ARRAY, V.UINT8),
        ("k.f32s", [1.5, 2.5], V.ARRAY, V.FLOAT32), ("k.nested", [[1, 2], [3]], V.ARRAY, None),
    ]
    path = tmp_path / "kv.gguf"
    write_gguf(path, {"t": (np.arange(32, dtype=np.float32), Q.F32)}, kv)
    r = dump(build_dir, "info", path)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert "version 3" in lines and "tensors 1" in lines and "metadata 17" in lines
    for want in ["kv general.architecture string \"llama\"", "kv k.u8 u8 200", "kv k.i8 i8 -100", "kv k.u16 u16 60000",
                 "kv k.i16 i16 -30000", "kv k.u32 u32 4000000000", "kv k.i32 i32 -2000000000", "kv k.bool bool true",
                 "kv k.str string \"smollm\"", f"kv k.u64 u64 {2**63 + 5}", f"kv k.i64 i64 {-2**62}"]:
        assert want in lines, f"{want!r} not in {lines}"
    assert any(line.startswith("kv k.f32 f32 0.5") for line in lines)
    assert any(line.startswith("kv k.f64 f64 -2.25") for line in lines)
    by_key = {line.split()[1]: line for line in lines if line.startswith("kv ")}
    assert by_key["k.strings"].startswith("kv k.strings array [3 string]") and "<s>" in by_key["k.strings"]
    assert by_key["k.strings"] == 'kv k.strings array [3 string] "<s>", "", "é"'
    assert by_key["k.u8s"] == "kv k.u8s array [3 u8] 1, 2, 3"
    assert by_key["k.f32s"] == "kv k.f32s array [2 f32] 1.5, 2.5"
    assert by_key["k.nested"] == "kv k.nested array [2 array]"
    assert by_key["k.f32"] == "kv k.f32 f32 0.5" and by_key["k.f64"] == "kv k.f64 f64 -2.25"
    assert "tensor t F32 32 @" in r.stdout
    assert_bits_equal(dequant_tool(build_dir, path, "t", tmp_path), np.arange(32, dtype=np.float32), "t")


# --- (b) the real default model ---------------------------------------------------------------

VALUE_TYPE_NAMES = {"UINT8": "u8", "INT8": "i8", "UINT16": "u16", "INT16": "i16", "UINT32": "u32", "INT32": "i32",
                    "FLOAT32": "f32", "BOOL": "bool", "STRING": "string", "ARRAY": "array", "UINT64": "u64",
                    "INT64": "i64", "FLOAT64": "f64"}


@pytest.fixture(scope="module")
def model_info(build_dir, model_path):
    r = dump(build_dir, "info", model_path)
    assert r.returncode == 0, r.stderr
    return r.stdout.splitlines()


@pytest.fixture(scope="module")
def model_reader(model_path):
    return gguf.GGUFReader(str(model_path))


def test_default_model_header(model_info):
    assert "version 3" in model_info
    assert "tensors 272" in model_info
    assert "alignment 32" in model_info
    tensor_types = [line.split()[2] for line in model_info if line.startswith("tensor ")]
    assert len(tensor_types) == 272
    assert {t: tensor_types.count(t) for t in set(tensor_types)} == {"Q4_1": 210, "F32": 61, "Q8_0": 1}
    assert "kv llama.block_count u32 30" in model_info
    assert 'kv tokenizer.ggml.pre string "smollm"' in model_info
    assert 'kv general.architecture string "llama"' in model_info
    assert "kv llama.attention.layer_norm_rms_epsilon f32 1e-05" in model_info  # shortest exact float text
    assert "kv llama.embedding_length u32 576" in model_info
    assert "kv llama.vocab_size u32 49152" in model_info
    assert any(line.startswith('kv tokenizer.ggml.tokens array [49152 string] "<|endoftext|>", "<|im_start|>"')
               for line in model_info)


def test_default_model_metadata_matches_gguf_reader(model_info, model_reader):
    kv_lines = [line for line in model_info if line.startswith("kv ")]
    fields = [f for f in model_reader.fields.values() if not f.name.startswith("GGUF.")]
    assert f"metadata {len(fields)}" in model_info
    assert [line.split(" ", 3)[1] for line in kv_lines] == [f.name for f in fields]  # same keys, same order
    for line, field in zip(kv_lines, fields):
        _, key, type_name, rendered = line.split(" ", 3)
        assert type_name == VALUE_TYPE_NAMES[field.types[0].name], key
        if field.types[0] == gguf.GGUFValueType.ARRAY:
            prefix = f"[{len(field.data)} {VALUE_TYPE_NAMES[field.types[1].name]}]"
            assert rendered.startswith(prefix), key
            if field.types[1] == gguf.GGUFValueType.INT32:  # the first elements follow, as many as fit
                first = [int(x) for x in rendered[len(prefix):].rstrip(".").split(",")[:-1]]
                assert first and first == [int(x) for x in field.contents()[:len(first)]], key
        elif field.types[0] == gguf.GGUFValueType.STRING:
            text = field.contents()
            if len(text) < 70 and "\n" not in text:
                assert rendered == f'"{text}"', key
        elif field.types[0] in (gguf.GGUFValueType.FLOAT32, gguf.GGUFValueType.FLOAT64):
            assert float(rendered) == pytest.approx(float(field.contents()), rel=1e-5, abs=1e-6), key
        elif field.types[0] == gguf.GGUFValueType.BOOL:
            assert rendered == str(bool(field.contents())).lower(), key
        else:
            assert int(rendered) == int(field.contents()), key


def test_default_model_tensor_table_matches_gguf_reader(model_info, model_reader):
    lines = [line.split() for line in model_info if line.startswith("tensor ")]
    assert len(lines) == len(model_reader.tensors) == 272
    for parts, t in zip(lines, model_reader.tensors):
        assert parts[1] == t.name
        assert parts[2] == t.tensor_type.name, t.name
        assert [int(d) for d in parts[3:-1]] == [int(d) for d in t.shape], t.name
        assert int(parts[-1].lstrip("@")) == t.data_offset, t.name


@pytest.mark.parametrize("tensor", ["token_embd.weight", "blk.0.attn_q.weight", "blk.0.attn_norm.weight",
                                    "blk.29.ffn_down.weight", "output_norm.weight"])
def test_default_model_dequantisation_is_bit_exact(tensor, build_dir, model_path, model_reader, tmp_path):
    t = next(t for t in model_reader.tensors if t.name == tensor)
    want = gguf.quants.dequantize(t.data, t.tensor_type).astype(np.float32)
    got = dequant_tool(build_dir, model_path, tensor, tmp_path)
    assert got.size == t.n_elements
    assert_bits_equal(got, want, tensor)


# --- (c) hostile files ------------------------------------------------------------------------

def assert_clean_failure(build_dir, path, status=None, what="", r=None):
    """`gguf_dump info path` (or its result r) failed with exit 1 and a parse status name."""
    r = r if r is not None else dump(build_dir, "info", path)
    assert r.returncode >= 0, f"{what}: killed by signal {-r.returncode}\n{r.stderr}"
    assert r.returncode == 1, f"{what}: exit {r.returncode}\n{r.stdout[:500]}\n{r.stderr}"
    assert r.stderr.startswith("gguf_dump: "), f"{what}: {r.stderr}"
    name = r.stderr.split(":")[1].strip()
    if status is None:
        assert name in PARSE_STATUSES, f"{what}: {r.stderr}"
    else:
        assert name == status, f"{what}: {r.stderr}"
    return name


@pytest.fixture(scope="module")
def model_head(model_path):
    with open(model_path, "rb") as f:
        return f.read(4 << 20)  # metadata, tensor table and the first tensors' data


def test_hostile_files_fail_cleanly(build_dir, model_head, model_reader, tmp_path):
    rng = np.random.default_rng(7)
    first_data = min(t.data_offset for t in model_reader.tensors)
    version1 = bytearray(model_head[:5000])
    version1[4:8] = (1).to_bytes(4, "little")
    cases = {
        "empty": (b"", "truncated"),
        "magic_only": (b"GGUF", "truncated"),
        "not_gguf": (b"PK\x03\x04" + bytes(100), "bad_magic"),
        "version_1": (bytes(version1), "unsupported_version"),
        "header_truncated": (model_head[:1000], "truncated"),
        "metadata_truncated": (model_head[:200000], "truncated"),
        "data_truncated": (model_head[:first_data + 100], "out_of_bounds"),
        "garbage_after_magic": (b"GGUF" + rng.integers(0, 256, 5000, dtype=np.uint8).tobytes(), None),
        "garbage_after_header": (b"GGUF\x03\x00\x00\x00" + rng.integers(0, 256, 5000, dtype=np.uint8).tobytes(), None),
        "huge_counts": (b"GGUF\x03\x00\x00\x00" + (2**63).to_bytes(8, "little") + (2**62).to_bytes(8, "little"),
                        "truncated"),
    }
    for name, (data, status) in cases.items():
        p = tmp_path / name
        p.write_bytes(data)
        assert_clean_failure(build_dir, p, status, name)
    # Many short garbage files after a valid magic and version.
    for i in range(40):
        data = b"GGUF" + (3 if i % 2 else 2).to_bytes(4, "little") + rng.integers(0, 256, int(rng.integers(0, 300)),
                                                                                 dtype=np.uint8).tobytes()
        p = tmp_path / f"garbage{i}"
        p.write_bytes(data)
        assert_clean_failure(build_dir, p, None, f"garbage{i}")


def test_dequant_errors(build_dir, model_path, tmp_path):
    r = dump(build_dir, "dequant", model_path, "no.such.tensor", tmp_path / "out")
    assert r.returncode == 1 and r.stderr.startswith("gguf_dump: missing_key:"), r.stderr
    r = dump(build_dir, "info", tmp_path)  # a directory
    assert r.returncode == 1 and r.stderr.startswith("gguf_dump: io_error:"), r.stderr


def test_corrupted_synthetic_files_never_crash(build_dir, tmp_path):
    """Bytes of a small valid file overwritten at random: parsed or refused, never a signal."""
    rng = np.random.default_rng(11)
    tensors = {name: (raw_blocks(Q[name], 2, rng, extreme=False), Q[name]) for name in ["Q4_0", "Q4_1", "Q8_0", "Q4_K", "Q6_K"]}
    tensors["f32"] = (np.arange(16, dtype=np.float32).reshape(2, 8), Q.F32)
    path = tmp_path / "good.gguf"
    write_gguf(path, tensors, [("k.strings", ["a", "bc"], gguf.GGUFValueType.ARRAY, None)])
    good = path.read_bytes()
    header_end = good.index(b"f32") + 64  # the interesting part: header, metadata, tensor table
    outcomes = set()
    for i in range(150):
        data = bytearray(good)
        for _ in range(int(rng.integers(1, 4))):
            at = int(rng.integers(0, header_end))
            data[at:at + 8] = rng.integers(0, 256, 8, dtype=np.uint8).tobytes()[:len(data[at:at + 8])]
        p = tmp_path / f"corrupt{i}"
        p.write_bytes(bytes(data))
        r = dump(build_dir, "info", p)
        assert r.returncode in (0, 1), f"case {i}: exit {r.returncode}\n{r.stderr}"
        if r.returncode == 1:
            outcomes.add(assert_clean_failure(build_dir, p, None, f"case {i}", r))
    assert len(outcomes) >= 3, outcomes
