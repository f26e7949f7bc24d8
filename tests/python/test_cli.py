"""The llmz command's behaviour: names, flags, exit codes, messages, no partial output."""
import os
import pty
import random
import signal
import subprocess
import time

import pytest
import xxhash

TEXT = b"The biggest lesson that can be read from 70 years of AI research is that general methods win.\n" * 3


@pytest.fixture(scope="module")
def llmz(build_dir):
    exe = build_dir / "llmz"
    assert exe.is_file(), f"{exe} is not built"
    return str(exe)


def run(llmz, *args, stdin=b"", cwd=None):
    return subprocess.run([llmz, *map(str, args)], input=stdin, capture_output=True, cwd=cwd, timeout=600)


def test_help_version_and_usage_errors(llmz):
    assert run(llmz, "--help").returncode == 0
    assert b"llmz" in run(llmz, "-V").stdout
    r = run(llmz, "--bogus")
    assert r.returncode == 2 and b"unknown option --bogus" in r.stderr
    assert run(llmz, "-d", "-l", "x").returncode == 2
    assert run(llmz, "-T", "abc", "x").returncode == 2


def test_file_round_trip_keeps_input(llmz, tmp_path):
    src = tmp_path / "a.txt"
    src.write_bytes(TEXT)
    r = run(llmz, src)
    assert r.returncode == 0, r.stderr
    packed = tmp_path / "a.txt.llmz"
    assert packed.is_file() and src.is_file()
    assert packed.stat().st_size < len(TEXT) // 3
    src.unlink()
    r = run(llmz, packed)  # the .llmz suffix selects decompression
    assert r.returncode == 0, r.stderr
    assert src.read_bytes() == TEXT


def test_rm_stdout_output_and_force(llmz, tmp_path):
    src = tmp_path / "b.txt"
    src.write_bytes(TEXT)
    r = run(llmz, "-c", src)
    assert r.returncode == 0 and r.stdout[:4] == b"\x89LMZ"
    out = tmp_path / "custom.bin"
    assert run(llmz, "-o", out, src).returncode == 0
    r = run(llmz, "-o", out, src)
    assert r.returncode == 1 and b"already exists" in r.stderr
    assert run(llmz, "-f", "-o", out, src).returncode == 0
    assert run(llmz, "--rm", src).returncode == 0
    assert not src.exists() and (tmp_path / "b.txt.llmz").exists()
    r = run(llmz, "-d", "-c", tmp_path / "b.txt.llmz")
    assert r.returncode == 0 and r.stdout == TEXT


def test_stdin_to_stdout(llmz):
    r = run(llmz, stdin=TEXT)
    assert r.returncode == 0, r.stderr
    back = run(llmz, "-d", stdin=r.stdout)
    assert back.returncode == 0 and back.stdout == TEXT
    assert run(llmz, "-", stdin=b"").returncode == 0


def test_test_and_list(llmz, tmp_path):
    src = tmp_path / "c.txt"
    src.write_bytes(TEXT)
    run(llmz, src)
    packed = tmp_path / "c.txt.llmz"
    r = run(llmz, "-t", packed)
    assert r.returncode == 0 and b"OK" in r.stderr
    r = run(llmz, "-l", packed)
    assert r.returncode == 0
    lines = r.stdout.decode().splitlines()
    assert "ratio" in lines[0] and "c.txt.llmz" in lines[1]
    data = bytearray(packed.read_bytes())
    data[len(data) // 2] ^= 0x20
    bad = tmp_path / "bad.llmz"
    bad.write_bytes(bytes(data))
    r = run(llmz, "-t", bad)
    assert r.returncode == 1 and r.stderr.startswith(b"llmz: ") and str(bad).encode() in r.stderr


def test_estimate_matches_the_coded_size(llmz, tmp_path):
    # --estimate sums -log2 p over the tokens; the file adds only its header, frame headers, end
    # frame and the coder's last bytes (under 64 bytes for one frame).
    src = tmp_path / "e.txt"
    src.write_bytes(TEXT)
    r = run(llmz, "--estimate", src)
    assert r.returncode == 0, r.stderr
    fields = r.stdout.decode().split()
    ideal_bits = float(fields[fields.index("bits") - 1])
    packed = run(llmz, "-c", src).stdout
    assert len(packed) - 64 < ideal_bits / 8 <= len(packed)
    assert run(llmz, "--estimate", tmp_path / "missing.txt").returncode == 1


def test_failures_leave_no_output(llmz, tmp_path):
    bad = tmp_path / "junk.llmz"
    bad.write_bytes(b"\x89LMZ" + b"\x00" * 50)
    r = run(llmz, "-d", bad)
    assert r.returncode == 1 and b"junk.llmz" in r.stderr
    assert not (tmp_path / "junk").exists()
    assert not any(p.name.endswith("-partial") for p in tmp_path.iterdir())
    notllmz = tmp_path / "plain.llmz"
    notllmz.write_bytes(b"hello")
    r = run(llmz, notllmz)
    assert r.returncode == 1 and b"not an .llmz file" in r.stderr
    r = run(llmz, "-d", tmp_path / "missing.llmz")
    assert r.returncode == 1 and b"No such file" in r.stderr
    r = run(llmz, "-d", tmp_path / "x.txt")
    assert r.returncode == 1 and b"unknown suffix" in r.stderr


def test_wrong_model_is_named(llmz, tmp_path):
    src = tmp_path / "d.txt"
    src.write_bytes(TEXT)
    assert run(llmz, src).returncode == 0
    data = bytearray((tmp_path / "d.txt.llmz").read_bytes())
    # Version 2 header with the default sizes: the 8-byte fingerprint at 13, the check at 21.
    data[13:21] = bytes(8)  # another model's fingerprint, with a valid header check
    data[21:25] = (xxhash.xxh64_intdigest(bytes(data[:21])) & 0xFFFFFFFF).to_bytes(4, "little")
    other = tmp_path / "other.llmz"
    other.write_bytes(bytes(data))
    r = run(llmz, "-d", "-c", other)
    assert r.returncode == 1
    assert b"needs another model" in r.stderr and b"0" * 16 in r.stderr, r.stderr


def test_refuses_compressed_data_to_a_terminal(llmz, tmp_path):
    src = tmp_path / "e.txt"
    src.write_bytes(TEXT)
    master, slave = pty.openpty()
    try:
        r = subprocess.run([llmz, "-c", str(src)], stdout=slave, stderr=subprocess.PIPE, timeout=600)
    finally:
        os.close(slave)
        os.close(master)
    assert r.returncode == 1 and b"terminal" in r.stderr


def test_missing_model_says_what_to_do(llmz, tmp_path):
    src = tmp_path / "f.txt"
    src.write_bytes(TEXT)
    r = run(llmz, "--model", tmp_path / "nope.gguf", src)
    assert r.returncode == 1 and b"nope.gguf" in r.stderr
    env = dict(os.environ, LLMZ_CACHE_DIR=str(tmp_path / "empty-cache"))
    env.pop("LLMZ_MODEL", None)
    r = subprocess.run([llmz, str(src)], capture_output=True, env=env, timeout=600)
    assert r.returncode == 1 and b"make model" in r.stderr


def test_same_bytes_for_any_threads_and_kernels(llmz, corpus_dir, tmp_path):
    """DESIGN D1 through the command: -T 1, -T 2 and LLMZ_KERNELS=scalar write identical files,
    and each decompresses under the others' settings."""
    text = (corpus_dir / "bitter_lesson.txt").read_bytes()[:1500]
    settings = [(["-T", "1"], {}), (["-T", "2"], {}), (["-T", "2"], {"LLMZ_KERNELS": "scalar"})]
    outputs = []
    for args, env in settings:
        r = subprocess.run([llmz, *args, "-c"], input=text, capture_output=True, env={**os.environ, **env}, timeout=600)
        assert r.returncode == 0, r.stderr
        outputs.append(r.stdout)
    assert outputs[0] == outputs[1] == outputs[2]
    for args, env in reversed(settings):
        r = subprocess.run([llmz, *args, "-d"], input=outputs[0], capture_output=True, env={**os.environ, **env}, timeout=600)
        assert r.returncode == 0 and r.stdout == text, r.stderr


@pytest.mark.parametrize(
    "name,data",
    [
        ("empty", b""),
        ("one-byte", b"a"),
        ("all-256", bytes(range(256))),
        ("invalid-utf8", b"caf\xe9 \xff\xfe na\xefve \xc3(" * 20),
        ("random", random.Random(1).randbytes(5000)),
        # 1 MiB: repetitive binary (LZMA2 blocks), a random stretch (stored) and some text.
        ("1MiB-generated", (bytes(range(256)) * 2048)[:600_000] + random.Random(2).randbytes(400_000) + TEXT[:48_576 % len(TEXT)]),
    ],
)
def test_round_trips_of_edge_inputs(llmz, name, data):
    r = run(llmz, "-c", "-f", stdin=data)
    assert r.returncode == 0, r.stderr
    if name == "random":
        assert len(r.stdout) <= len(data) + 48  # stored: header, one frame header, end frame
    back = run(llmz, "-d", "-c", stdin=r.stdout)
    assert back.returncode == 0 and back.stdout == data, (name, back.stderr)


def test_ctrl_c_leaves_nothing_behind(llmz, corpus_dir, tmp_path):
    src = tmp_path / "long.txt"
    src.write_bytes((corpus_dir / "alice29.txt").read_bytes()[:60_000])
    proc = subprocess.Popen([llmz, str(src)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    partial = tmp_path / "long.txt.llmz.llmz-partial"
    deadline = time.monotonic() + 120
    while not partial.exists() and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    assert partial.exists(), "the compressor never started writing"
    time.sleep(0.5)
    proc.send_signal(signal.SIGINT)
    proc.wait(timeout=120)
    assert proc.returncode == -signal.SIGINT
    assert sorted(p.name for p in tmp_path.iterdir()) == ["long.txt"]


def test_truncated_and_extended_files_fail_cleanly(llmz, tmp_path):
    src = tmp_path / "g.txt"
    src.write_bytes(TEXT)
    assert run(llmz, src).returncode == 0
    packed = (tmp_path / "g.txt.llmz").read_bytes()
    for bad, reason in [(packed[:-1], b"truncated"), (packed[:10], b"truncated"), (packed + b"\0", b"after the end frame")]:
        target = tmp_path / "bad.llmz"
        target.write_bytes(bad)
        r = run(llmz, "-d", "-f", target)
        assert r.returncode == 1 and reason in r.stderr, r.stderr
        assert r.stderr.count(b"\n") == 1 and r.stderr.startswith(b"llmz: ")
        assert not (tmp_path / "bad").exists()
        assert not any(p.name.endswith("-partial") for p in tmp_path.iterdir())
