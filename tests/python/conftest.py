"""Shared pytest fixtures: where the build, the corpus and the default model are."""
import os
import pathlib

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]


def default_model_path() -> pathlib.Path:
    """The model as src/common/model_locator.h finds it (LLMZ_MODEL, else the cache)."""
    if os.environ.get("LLMZ_MODEL"):
        return pathlib.Path(os.environ["LLMZ_MODEL"])
    cache = os.environ.get("LLMZ_CACHE_DIR")
    if not cache:
        xdg = os.environ.get("XDG_CACHE_HOME")
        cache = os.path.join(xdg, "llmz") if xdg else os.path.join(os.path.expanduser("~"), ".cache", "llmz")
    return pathlib.Path(cache) / "SmolLM2-135M-Instruct.Q4_1.gguf"


@pytest.fixture(scope="session")
def build_dir() -> pathlib.Path:
    d = pathlib.Path(os.environ.get("LLMZ_BUILD_DIR", REPO / "build"))
    assert d.is_dir(), f"build directory {d} does not exist: run `make` first (or set LLMZ_BUILD_DIR)"
    return d


def corpus_path() -> pathlib.Path:
    return pathlib.Path(os.environ.get("LLMZ_CORPUS", REPO.parent / "shared" / "corpus"))


def corpus_files() -> list[str]:
    """Every file of the corpus but its README, smallest first."""
    d = corpus_path()
    files = [p for p in d.iterdir() if p.is_file() and p.name != "README.md"] if d.is_dir() else []
    return [p.name for p in sorted(files, key=lambda p: p.stat().st_size)]


@pytest.fixture(scope="session")
def corpus_dir() -> pathlib.Path:
    d = corpus_path()
    assert d.is_dir(), f"corpus directory {d} does not exist (set LLMZ_CORPUS)"
    return d


@pytest.fixture(scope="session")
def model_path() -> pathlib.Path:
    p = default_model_path()
    assert p.is_file(), f"model {p} is missing: run `make model`"
    return p


def tool(build_dir: pathlib.Path, name: str) -> pathlib.Path:
    t = build_dir / "tests" / "tools" / name
    assert t.is_file(), f"{t} is not built: run `make`"
    return t
