"""llm_compression: lossless compression with a language model, on the llmz C++ library.

The original proof of concept's API is kept::

    from llm_compression import encode, decode
    seed, encoded = encode("Hello, world!")
    assert decode(seed, encoded) == "Hello, world!"

``encode`` gives the message mode: ``encoded`` holds only the range coder's bits (no header, no
checksum, no model name), and ``seed`` is the number of tokens, which the decoder needs to know
where to stop. A message holds at most the model's context (8192 tokens, about 30 KB of text).

``compress``/``decompress`` write and read the ``.llmz`` container (docs/FORMAT.md): checked,
any size, byte-identical to the ``llmz`` command. ``open`` streams it like ``gzip.open``.

The model is found as the command finds it: the ``model`` argument, else ``$LLMZ_MODEL``, else
the cache that ``make model`` fills. Work runs with the GIL released. Errors raise
``llm_compression.Error`` or one of its subclasses, with the library's message and ``.status``.
Progress bars (tqdm) are off unless ``progress=True`` or ``llm_compression.show_progress = True``.
"""
from __future__ import annotations

import os
import threading
from typing import Optional, Tuple, Union

from . import _llmz
from ._file import LlmzFile, open
from ._llmz import CorruptDataError, Error, InputError, ModelError, WrongModelError
from ._progress import Bars

__all__ = [
    "encode", "decode", "decode_bytes", "compress", "decompress", "open", "LlmzFile", "codec",
    "Error", "CorruptDataError", "WrongModelError", "ModelError", "InputError", "show_progress",
]
__version__ = "0.2.0"

#: Default for every call's ``progress`` argument.
show_progress = False

ModelPath = Union[str, os.PathLike, None]
_codecs: dict = {}
_codecs_lock = threading.Lock()


def codec(model: ModelPath = None, threads: int = 0) -> _llmz.Codec:
    """The loaded model for ``model`` (a GGUF path, or None for the default), loaded once and shared."""
    key = (os.fspath(model) if model is not None else None, threads)
    with _codecs_lock:
        c = _codecs.get(key)
        if c is None:
            c = _codecs[key] = _llmz.Codec(key[0], threads)
        return c


def _bars(progress: Optional[bool]) -> Optional[Bars]:
    return Bars() if (show_progress if progress is None else progress) else None


def _as_bytes(data) -> bytes:
    return data if isinstance(data, bytes) else bytes(data)


def encode(text: Union[str, bytes], model: ModelPath = None, *, progress: Optional[bool] = None) -> Tuple[int, bytes]:
    """Codes ``text`` (str as UTF-8, or bytes) in message mode: returns ``(seed, encoded)``."""
    data = text.encode("utf-8") if isinstance(text, str) else _as_bytes(text)
    with Bars.maybe(_bars(progress)) as bars:
        return codec(model).encode(data, bars)


def decode_bytes(seed: int, encoded: bytes, model: ModelPath = None, *, progress: Optional[bool] = None) -> bytes:
    """The bytes that ``encode`` coded as ``(seed, encoded)``."""
    with Bars.maybe(_bars(progress)) as bars:
        return codec(model).decode(seed, _as_bytes(encoded), bars)


def decode(seed: int, encoded: bytes, model: ModelPath = None, *, progress: Optional[bool] = None) -> str:
    """The text that ``encode`` coded as ``(seed, encoded)`` (UTF-8; see ``decode_bytes`` for bytes)."""
    return decode_bytes(seed, encoded, model, progress=progress).decode("utf-8")


def compress(data: bytes, model: ModelPath = None, *, frame_size: int = 8192, threads: int = 0,
             progress: Optional[bool] = None) -> bytes:
    """The ``.llmz`` file for ``data``, byte-identical to ``llmz -c`` with the same frame size."""
    with Bars.maybe(_bars(progress)) as bars:
        return codec(model, threads).compress(_as_bytes(data), frame_size, bars)


def decompress(data: bytes, model: ModelPath = None, *, threads: int = 0, progress: Optional[bool] = None) -> bytes:
    """The original bytes of a ``.llmz`` file (every checksum verified)."""
    with Bars.maybe(_bars(progress)) as bars:
        return codec(model, threads).decompress(_as_bytes(data), bars)
