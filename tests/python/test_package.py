"""The Python package llm_compression (built by `pip install .`): the original API, the container,
streaming, errors, progress bars, the GIL and the type stubs."""
import io
import pathlib
import random
import re
import subprocess
import threading
import time

import pytest

import llm_compression as lc
from conftest import REPO

TEXT = "Grüße aus Köln — 東京の天気は晴れ 🚀. The biggest lesson of 70 years of AI research is that general methods win.\n"


def readme_python_snippet() -> str:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", readme, re.S)
    assert blocks, "README.md has no python block"
    return blocks[0]


def test_readme_snippet_verbatim(capsys):
    exec(compile(readme_python_snippet(), "README.md", "exec"), {})
    assert "Hello, world!" in capsys.readouterr().out


@pytest.mark.parametrize("text", ["Hello, world!", TEXT, "", "\x00\x04 control bytes \x1d and \ufeff BOM"])
def test_message_round_trips_str(text):
    seed, encoded = lc.encode(text)
    assert isinstance(seed, int) and isinstance(encoded, bytes)
    assert lc.decode(seed, encoded) == text


def test_message_round_trips_bytes_and_is_small():
    data = bytes(range(256)) + TEXT.encode()
    seed, encoded = lc.encode(data)
    assert lc.decode_bytes(seed, encoded) == data
    seed, encoded = lc.encode("Hello, world!")
    assert len(encoded) <= 4  # four tokens: no header, no checksum


def test_compress_equals_the_command(build_dir, corpus_dir):
    data = (corpus_dir / "bitter_lesson.txt").read_bytes()[:1500]
    packed = lc.compress(data)
    cli = subprocess.run([str(build_dir / "llmz"), "-c"], input=data, capture_output=True, timeout=600)
    assert cli.returncode == 0, cli.stderr
    assert packed == cli.stdout
    assert lc.decompress(packed) == data
    assert lc.decompress(bytearray(packed)) == data  # any bytes-like input
    assert lc.compress(b"") and lc.decompress(lc.compress(b"")) == b""


def test_open_streams_a_large_file(tmp_path):
    rng = random.Random(7)
    parts = [TEXT.encode() * 4, rng.randbytes(1_500_000), bytes(range(256)) * 6000, TEXT.encode() * 2]
    data = b"".join(parts)
    path = tmp_path / "big.llmz"
    with lc.open(path, "wb") as f:
        for i in range(0, len(data), 100_000):
            assert f.write(data[i:i + 100_000]) == min(100_000, len(data) - i)
    assert path.read_bytes() == lc.compress(data)  # the same bytes as in one piece
    got = bytearray()
    with lc.open(path, "rb") as f:
        while chunk := f.read(65536):
            got += chunk
    assert got == data
    with lc.open(path) as f:
        assert f.read() == data
    with lc.open(tmp_path / "t.llmz", "wt", encoding="utf-8") as f:
        f.write(TEXT)
    with lc.open(tmp_path / "t.llmz", "rt", encoding="utf-8") as f:
        assert f.read() == TEXT
    buffer = io.BytesIO()
    with lc.open(buffer, "wb") as f:
        f.write(b"to a file object")
    assert lc.decompress(buffer.getvalue()) == b"to a file object"


def test_errors_are_typed_and_carry_the_message(tmp_path):
    packed = bytearray(lc.compress(TEXT.encode()))
    damaged = bytes(packed[:-12]) + bytes([packed[-12] ^ 1]) + bytes(packed[-11:])
    with pytest.raises(lc.CorruptDataError) as e:
        lc.decompress(damaged)
    assert e.value.status in ("checksum_mismatch", "corrupt_data")
    with pytest.raises(lc.CorruptDataError, match="not an .llmz file"):
        lc.decompress(b"plain text")
    with pytest.raises(lc.CorruptDataError):
        lc.decompress(bytes(packed[:-3]))
    path = tmp_path / "cut.llmz"
    path.write_bytes(bytes(packed[:-3]))
    with pytest.raises(lc.CorruptDataError, match="end frame"):
        with lc.open(path) as f:
            f.read()
    # Another model's fingerprint (header bytes 13..20) with a valid header check.
    import xxhash
    other = bytearray(packed)
    other[13:21] = bytes(8)
    other[21:25] = (xxhash.xxh64_intdigest(bytes(other[:21])) & 0xFFFFFFFF).to_bytes(4, "little")
    with pytest.raises(lc.WrongModelError, match="another model"):
        lc.decompress(bytes(other))
    with pytest.raises(lc.ModelError):
        lc.compress(b"x", model=tmp_path / "missing.gguf")
    with pytest.raises(lc.InputError):
        lc.encode("word " * 20000)  # more tokens than a message holds
    assert issubclass(lc.InputError, ValueError) and issubclass(lc.CorruptDataError, lc.Error)


def test_the_gil_is_released_while_compressing(corpus_dir):
    data = (corpus_dir / "bitter_lesson.txt").read_bytes()[:1200]
    lc.codec()  # load the model first: only the compression is timed
    done = threading.Event()
    result = {}

    def work():
        result["packed"] = lc.compress(data)
        done.set()

    ticks = 0
    t = threading.Thread(target=work)
    started = time.perf_counter()
    t.start()
    while not done.is_set():
        ticks += 1
        time.sleep(0.001)
    t.join()
    elapsed = time.perf_counter() - started
    assert lc.decompress(result["packed"]) == data
    # With the GIL held for the whole call, this loop could not have run during it.
    assert elapsed > 0.2 and ticks >= 50, (elapsed, ticks)


def test_progress_bars_show_the_original_stages(capsys):
    seed, encoded = lc.encode("Progress bars, as the original showed them.", progress=True)
    lc.decode(seed, encoded, progress=True)
    err = capsys.readouterr().err
    for label in ("Computing probabilities", "Encoding tokens", "Decoding tokens"):
        assert label in err
    lc.encode("quiet by default")
    assert capsys.readouterr().err == ""


def test_progress_callback_errors_propagate():
    def interrupt(stage, done, total):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        lc.codec().encode(b"stop me", interrupt)


def test_type_stubs_cover_the_extension():
    stub = (pathlib.Path(lc.__file__).parent / "_llmz.pyi").read_text()
    public = [n for n in dir(lc._llmz) if not n.startswith("_")]
    for name in public:
        assert re.search(rf"^class {name}\b", stub, re.M), f"{name} is missing from _llmz.pyi"
    for method in ("compress", "decompress", "encode", "decode", "write", "finish"):
        assert f"def {method}(" in stub
    assert (pathlib.Path(lc.__file__).parent / "py.typed").exists()
