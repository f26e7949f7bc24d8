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


def pre_tokens_ours(build_dir, model_path, data: bytes, tmp_path) -> list:
    src, out = tmp_path / "in.bin", tmp_path / "lengths.bin"
    src.write_bytes(data)
    subprocess.run([str(tool(build_dir, "tokenize_tool")), "pretokenize", str(model_path), str(src), str(out)],
                   check=True)
    return np.fromfile(out, dtype="<u4").tolist()


def pre_tokens_reference(reference, text: str) -> list:
    # Byte-level pieces: one character of the GPT-2 alphabet per byte, so len() is the byte length.
    return [len(piece) for piece, _ in reference.pre_tokenizer.pre_tokenize_str(text)]


SWEEP_CONTEXTS = ["{}", "a{}b", " {}x", "1{}1", "{}'s", "x{} ", "\t{}\t"]


@pytest.mark.parametrize("context", SWEEP_CONTEXTS)
def test_codepoint_sweep_pre_tokens(context, build_dir, model_path, reference, tmp_path):
    """Every code point U+0000..U+10FFFF (surrogates aside), assigned or not, in a context, is
    pre-tokenized as the reference does: this checks the generated \\p{L}/\\p{N}/digit tables and \\s
    exactly (comparing ids would hide a wrong boundary wherever no merge crosses it)."""
    cps = [cp for cp in range(0x110000) if not 0xD800 <= cp <= 0xDFFF]
    pieces = [context.format(chr(cp), chr(cp)) for cp in cps]
    text = "\x00".join(pieces)
    got = pre_tokens_ours(build_dir, model_path, text.encode("utf-8"), tmp_path)
    want = pre_tokens_reference(reference, text)
    if got != want:
        i = first_difference(got, want)
        at = sum(want[:i])  # byte offset of the first differing pre-token
        before = text.encode("utf-8")[:at].decode("utf-8", "replace")
        near = pieces[before.count("\x00")] if before.count("\x00") < len(pieces) else ""
        pytest.fail(f"context {context!r}: first difference at pre-token {i}, near {near!r} "
                    f"(U+{ord(near[0] if context.startswith('{}') else near[1]):04X}): "
                    f"ours {got[i:i + 4]} reference {want[i:i + 4]}")


def test_codepoint_sweep_ids_equal_reference(build_dir, model_path, reference, tmp_path):
    """Every code point whose bytes all have tokens (SmolLM2 lacks 21 byte tokens: see
    test_missing_byte_tokens_are_escaped), between letters, spaces and digits, gives the ids of the
    reference."""
    missing = {4, 6, 19, 20, 22, 29}
    cps = [cp for cp in range(0x110000)
           if not 0xD800 <= cp <= 0xDFFF and not 0x40000 <= cp <= 0xBFFFF and cp not in missing]
    rng = random.Random(1)
    contexts = ["a{}b", " {} ", "{}{}", "1{}2", "x {}\n", "{}'s"]
    text = "".join(contexts[rng.randrange(len(contexts))].format(chr(cp), chr(cp)) for cp in cps)
    got = ours(build_dir, model_path, text.encode("utf-8"), tmp_path)
    want = reference.encode(text).ids
    i = first_difference(got, want)
    context = reference.decode(want[max(0, i - 3):i + 3]) if i < len(want) else ""
    assert got == want, f"first difference at token {i} near {context!r}"


def test_missing_byte_tokens_are_escaped(build_dir, model_path, reference, tmp_path):
    """The one intended difference: a byte without a token (e.g. U+0004, or the lead byte F1 of
    U+40000) is dropped by the reference but written as ESC + payload by us, so it round-trips."""
    for text in ["a\x04b", "x \U00040000 y"]:
        data = text.encode("utf-8")
        assert roundtrip(build_dir, model_path, data, tmp_path) == data
        assert reference.decode(reference.encode(text).ids) != text


@pytest.mark.parametrize("case", ["empty", "nul", "invalid_utf8", "cut_multibyte", "lone_continuation",
                                  "surrogates", "overlong", "spaces", "one_char", "long_text", "random", "all_bytes", "jpeg"])
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
        "spaces": b" " * (1 << 20) + b"x" + b"\n" * 1000,
        "one_char": b"a" * (1 << 20),
        "long_text": (corpus_dir / "alice29.txt").read_bytes() * 120,  # > one 16 MiB pre-token chunk
        "random": bytes(rng.randrange(256) for _ in range(50000)),
        "all_bytes": bytes(range(256)) * 4,
        "jpeg": (corpus_dir / "fireworks.jpeg").read_bytes(),
    }[case]
    assert roundtrip(build_dir, model_path, data, tmp_path) == data


def test_long_input_chunking_keeps_reference_ids(build_dir, model_path, corpus_dir, reference, tmp_path):
    """Inputs over 16 MiB are pre-tokenized in chunks cut where a pre-token boundary is anyway:
    the ids stay those of the reference."""
    data = (corpus_dir / "bitter_lesson.txt").read_bytes()
    data = data * ((17 << 20) // len(data) + 1)
    got = ours(build_dir, model_path, data, tmp_path)
    want = reference.encode(data.decode("utf-8")).ids
    i = first_difference(got, want)
    assert got == want, f"first difference at token {i}: ours {got[i:i+5]} reference {want[i:i+5]}"
