"""Our tokenizer against the reference (PyPI `tokenizers` built from the same GGUF vocabulary,
merges and pre-tokenizer), and its losslessness on any bytes."""
import random
import subprocess
import unicodedata

import gguf
import numpy as np
import pytest

from conftest import tool

TEXT_FILES = ["alice29.txt", "asyoulik.txt", "html", "urls.10K", "bitter_lesson.txt"]


@pytest.fixture(scope="session")
def reference(model_path):
    from tokenizers import AddedToken, Tokenizer, decoders, models, pre_tokenizers

    r = gguf.GGUFReader(str(model_path))

    def strings(key):
        f = r.fields[key]
        return [bytes(f.parts[i]).decode("utf-8") for i in f.data]

    tokens = strings("tokenizer.ggml.tokens")
    merges = [tuple(m.split(" ", 1)) for m in strings("tokenizer.ggml.merges")]
    tt = r.fields["tokenizer.ggml.token_type"]
    types = [int(tt.parts[i][0]) for i in tt.data]
    tok = Tokenizer(models.BPE({s: i for i, s in enumerate(tokens)}, merges, fuse_unk=False, byte_fallback=False))
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Digits(individual_digits=True),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True),
    ])
    tok.decoder = decoders.ByteLevel()
    tok.add_special_tokens([AddedToken(tokens[i], special=True, normalized=False) for i, t in enumerate(types) if t == 3])
    return tok


def ours(build_dir, model_path, data: bytes, tmp_path) -> list:
    src, out = tmp_path / "in.bin", tmp_path / "ids.bin"
    src.write_bytes(data)
    subprocess.run([str(tool(build_dir, "tokenize_tool")), "encode", str(model_path), str(src), str(out)], check=True)
    return np.fromfile(out, dtype="<i4").tolist()


def roundtrip(build_dir, model_path, data: bytes, tmp_path) -> bytes:
    ids = tmp_path / "ids.bin"
    np.asarray(ours(build_dir, model_path, data, tmp_path), dtype="<i4").tofile(ids)
    back = tmp_path / "back.bin"
    subprocess.run([str(tool(build_dir, "tokenize_tool")), "decode", str(model_path), str(ids), str(back)], check=True)
    return back.read_bytes()


def first_difference(a, b):
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            return i
    return min(len(a), len(b))


@pytest.mark.parametrize("name", TEXT_FILES)
def test_corpus_ids_equal_reference(name, build_dir, model_path, corpus_dir, reference, tmp_path):
    data = (corpus_dir / name).read_bytes()
    got = ours(build_dir, model_path, data, tmp_path)
    want = reference.encode(data.decode("utf-8")).ids
    i = first_difference(got, want)
    assert got == want, f"{name}: first difference at token {i}: ours {got[i:i+5]} reference {want[i:i+5]}"


MULTILINGUAL = [
    "Crème brûlée, naïve façade, Ærøskøbing, straße, İstanbul, Łódź",
    "Γειά σου Κόσμε· ἀρχὴ σοφίας. Привет, мир! Съешь же ещё этих мягких французских булок.",
    "日本語のテキスト、漢字とかなカナ。中文文本：你好，世界！한국어 텍스트입니다.",
    "مرحبا بالعالم. العربية تُكتب من اليمين إلى اليسار ١٢٣٤",
    "नमस्ते दुनिया। हिन्दी में ०१२३४५६७८९ अंक",
    "Emoji: 👍🏽 👨‍👩‍👧‍👦 🏳️‍🌈 ❤️ 🇫🇷 — and text™ © ® ½ ² Ⅻ ①",
    "Numbers 1234567890, 3.14159, -42, 1e-9, 0x1F, 2024-11-28T12:34:56Z, ٣٤٥",
    "Line\r\nbreaks\r\n\r\nand\ttabs\t\t and    many     spaces   \n\n\n  end  ",
    "Contractions: I'm, you're, we've, they'll, he'd, it's, don't, 'S 'T 'RE, ''quoted''",
    "Zero\u200bwidth\u200djoiner\u00a0nbsp\u2028line\u2029para\u3000ideographic\u202fnarrow",
    "Code: def f(x):\n    return x**2  # comment\n\tif (a && b) { c[i] += 1; }",
]


def test_multilingual_ids_equal_reference(build_dir, model_path, reference, tmp_path):
    mismatches = []
    for text in MULTILINGUAL:
        got = ours(build_dir, model_path, text.encode("utf-8"), tmp_path)
        want = reference.encode(text).ids
        if got != want:
            mismatches.append((text, first_difference(got, want)))
    assert not mismatches, f"differ from the reference: {mismatches}"


def test_codepoint_sweep_equals_reference(build_dir, model_path, reference, tmp_path):
    """Every assigned code point of Unicode (as this Python knows it), between letters, spaces
    and digits, tokenizes as the reference does."""
    cps = [cp for cp in range(0x20, 0x30000)
           if not 0xD800 <= cp <= 0xDFFF and unicodedata.category(chr(cp)) != "Cn"]
    rng = random.Random(1)
    contexts = ["a{}b", " {} ", "{}{}", "1{}2", "x {}\n"]
    lines = []
    for cp in cps:
        lines.append(contexts[rng.randrange(len(contexts))].format(chr(cp), chr(cp)))
    text = "".join(lines)
    got = ours(build_dir, model_path, text.encode("utf-8"), tmp_path)
    want = reference.encode(text).ids
    i = first_difference(got, want)
    context = reference.decode(want[max(0, i - 3):i + 3]) if i < len(want) else ""
    assert got == want, f"first difference at token {i} near {context!r}"


@pytest.mark.parametrize("case", ["empty", "nul", "invalid_utf8", "cut_multibyte", "lone_continuation",
                                  "surrogates", "overlong", "spaces", "one_char", "random", "all_bytes", "jpeg"])
def test_lossless_on_any_bytes(case, build_dir, model_path, corpus_dir, tmp_path):
    rng = random.Random(case)
    data = {
        "empty": b"",
        "nul": b"a\x00b\x00\x00 \x00",
        "invalid_utf8": b"\xff\xfe\xc0\xc1\xf5\xf8 ok \x80\x81",
        "cut_multibyte": "héllo wörld 日本".encode("utf-8")[:-1],
        "lone_continuation": b"\x80abc\xbf \xa0\xa0",
        "surrogates": b"\xed\xa0\x80\xed\xbf\xbf",
        "overlong": b"\xc0\xaf\xe0\x80\xaf\xf0\x80\x80\xaf",
        "spaces": b" " * 200000 + b"x" + b"\n" * 1000,
        "one_char": b"a" * 300000,
        "random": bytes(rng.randrange(256) for _ in range(50000)),
        "all_bytes": bytes(range(256)) * 4,
        "jpeg": (corpus_dir / "fireworks.jpeg").read_bytes(),
    }[case]
    assert roundtrip(build_dir, model_path, data, tmp_path) == data
