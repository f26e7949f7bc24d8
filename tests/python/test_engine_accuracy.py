"""DESIGN D6: the integer engine against the float64 reference forward pass.

Runs `$LLMZ_BUILD_DIR/tests/tools/engine_dump` on the first MAX_TOKENS tokens of bitter_lesson.txt:
it writes the token ids it used (int32 LE, token 0 first) and the integer frequency table for every
prediction (uint32 LE, [n-1][vocab], each row summing to 2^K; K printed as `cdf_bits=K`). The
reference (tests/python/reference_model.py, numpy float64 over the same GGUF) evaluates the same ids.

Asserts: our cross-entropy (what the coder pays, -log2 freq/2^K) is at most 1% above the reference's,
and our most likely token agrees with the reference's at >= 95% of positions. Both numbers are
printed straight to the terminal (not captured) so CI logs show them.

Environment: LLMZ_BUILD_DIR (absolute C++ build dir), LLMZ_CORPUS (absolute corpus dir), and the
model as llmz finds it: LLMZ_MODEL, else the cached default (scripts/provision-model.sh).
"""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import reference_model  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
MAX_TOKENS = 256
BUDGET = 1.01          # D6: at most 1% more bits than the float64 reference
MIN_TOP1_AGREEMENT = 0.95
DEFAULT_MODEL = "SmolLM2-135M-Instruct.Q4_1.gguf"


def _model_path() -> Path:
    env = os.environ.get("LLMZ_MODEL")
    if env:
        return Path(env)
    cache = os.environ.get("LLMZ_CACHE_DIR")
    if not cache:
        cache = os.path.join(os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "llmz")
    return Path(cache) / DEFAULT_MODEL


def _corpus_dir() -> Path:
    env = os.environ.get("LLMZ_CORPUS")
    return Path(env) if env else (REPO.parent / "shared" / "corpus")


def _engine_dump() -> Path:
    build = Path(os.environ.get("LLMZ_BUILD_DIR", REPO / "build"))
    tool = build / "tests" / "tools" / "engine_dump"
    assert tool.is_file() and os.access(tool, os.X_OK), f"{tool} is not built: run `make`"
    return tool


@pytest.fixture(scope="module")
def measured(tmp_path_factory):
    tool = _engine_dump()
    model = _model_path()
    if not model.is_file():
        pytest.fail(f"model {model} not found: run `make model` or set LLMZ_MODEL")
    text = _corpus_dir() / "bitter_lesson.txt"
    if not text.is_file():
        pytest.fail(f"corpus file {text} not found: set LLMZ_CORPUS")

    work = tmp_path_factory.mktemp("engine_accuracy")
    tokens_bin, freqs_bin = work / "tokens.bin", work / "freqs.bin"
    cmd = [str(tool), "--model", str(model), "--text", str(text), "--tokens-out", str(tokens_bin),
           "--freqs-out", str(freqs_bin), "--max-tokens", str(MAX_TOKENS)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
    m = re.search(r"cdf_bits=(\d+)", proc.stdout)
    assert m, f"engine_dump did not print cdf_bits=K:\n{proc.stdout}"
    k = int(m.group(1))

    tokens = np.fromfile(tokens_bin, dtype="<i4").astype(np.int64)
    freqs = np.fromfile(freqs_bin, dtype="<u4")
    n = tokens.size
    assert 2 <= n <= MAX_TOKENS, f"engine_dump wrote {n} tokens (want 2..{MAX_TOKENS})"
    assert tokens[0] == 0, "the first token must be the context start, id 0"
    assert freqs.size % (n - 1) == 0, f"freqs size {freqs.size} is not a multiple of n-1 = {n - 1}"
    freqs = freqs.reshape(n - 1, -1)

    ref = reference_model.ReferenceModel(model)
    logits = ref.logits(tokens)
    ref_bits = reference_model.cross_entropy_bits(logits, tokens)

    rows = np.arange(n - 1)
    target = freqs[rows, tokens[1:]].astype(np.float64)
    our_bits = -np.log2(np.maximum(target, 1e-300) / float(1 << k))  # a zero is reported by the test below

    # Informative only: does the engine's tokenization match the reference tokenizer's?
    ref_ids = ref.tokenizer().encode(text.read_bytes().decode("utf-8")).ids[: n - 1]
    same_ids = int(np.sum(np.asarray(ref_ids[: n - 1]) == tokens[1 : 1 + len(ref_ids)]))

    report = {
        "tokens": int(n), "cdf_bits": k, "vocab": int(freqs.shape[1]),
        "ours_bits_per_token": float(our_bits.mean()), "reference_bits_per_token": float(ref_bits.mean()),
        "ratio": float(our_bits.mean() / ref_bits.mean()),
        "top1_agreement": float(np.mean(np.argmax(freqs, axis=1) == np.argmax(logits[:-1], axis=1))),
        "ours_top1_accuracy": float(np.mean(np.argmax(freqs, axis=1) == tokens[1:])),
        "reference_top1_accuracy": float(np.mean(np.argmax(logits[:-1], axis=1) == tokens[1:])),
        "tokenizer_prefix_agreement": f"{same_ids}/{n - 1}",
    }
    return {"tokens": tokens, "freqs": freqs, "k": k, "ref_vocab": ref.vocab_size, "report": report}


def _show(capsys, what: str, report: dict) -> None:
    line = f"engine accuracy ({what}): " + json.dumps(report)
    print(line)
    with capsys.disabled():
        sys.stdout.write("\n" + line + "\n")


def test_frequency_tables_are_valid(measured):
    freqs, k = measured["freqs"], measured["k"]
    assert freqs.shape[1] == measured["ref_vocab"], "one frequency per vocabulary entry"
    assert 1 <= k <= 31
    assert np.all(freqs.sum(axis=1, dtype=np.uint64) == (1 << k)), "every row must sum to 2^K (D5)"
    assert freqs.min() >= 1, "every token must get frequency >= 1 (D5)"


def test_cross_entropy_within_d6_budget(measured, capsys):
    r = measured["report"]
    _show(capsys, "cross-entropy", r)
    assert math.isfinite(r["ours_bits_per_token"])
    assert r["ours_bits_per_token"] <= r["reference_bits_per_token"] * BUDGET, (
        f"engine {r['ours_bits_per_token']:.4f} bits/token vs reference {r['reference_bits_per_token']:.4f}: "
        f"ratio {r['ratio']:.4f} > {BUDGET} (DESIGN D6)")


def test_top1_agreement_with_reference(measured, capsys):
    r = measured["report"]
    _show(capsys, "top-1", {k: r[k] for k in ("top1_agreement", "ours_top1_accuracy",
                                              "reference_top1_accuracy")})
    assert r["top1_agreement"] >= MIN_TOP1_AGREEMENT, (
        f"engine's argmax agrees with the reference at {r['top1_agreement']:.3f} of positions "
        f"(< {MIN_TOP1_AGREEMENT})")
