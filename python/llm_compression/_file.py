"""llm_compression.open: .llmz files as file objects, streamed with bounded memory (like gzip.open)."""
from __future__ import annotations

import builtins
import io
import os
from typing import IO, Optional, Union

from . import _llmz

_CHUNK = 1 << 20


class LlmzFile(io.BufferedIOBase):
    """A binary file object over a ``.llmz`` stream: mode ``"rb"`` decompresses as you read (each
    group of frames once its checksums pass; a damaged file raises on the read that reaches the
    damage), ``"wb"``/``"xb"`` compress as you write, and the last bytes go out on ``close()``.
    Not seekable."""

    def __init__(self, filename: Union[str, bytes, os.PathLike, IO[bytes]], mode: str = "rb", *,
                 model: Union[str, os.PathLike, None] = None, frame_size: int = 8192, threads: int = 0):
        super().__init__()
        from . import codec

        mode = mode.replace("b", "")
        if mode not in ("r", "w", "x"):
            raise ValueError(f"invalid mode {mode!r} (use 'rb', 'wb' or 'xb', or their text forms)")
        self._mode = mode
        if isinstance(filename, (str, bytes, os.PathLike)):
            self._file = builtins.open(filename, mode + "b")
            self._owns_file = True
            self.name = os.fspath(filename)
        elif hasattr(filename, "read" if mode == "r" else "write"):
            self._file = filename
            self._owns_file = False
            self.name = getattr(filename, "name", "")
        else:
            raise TypeError("filename must be a path or a binary file object")
        c = codec(model, threads)
        self._writer = _llmz.StreamWriter(c, frame_size) if mode != "r" else None
        self._reader = _llmz.StreamReader(c) if mode == "r" else None
        self._buffer = bytearray()
        self._eof = False
        self._position = 0

    # -- reading --
    def readable(self) -> bool:
        return self._mode == "r"

    def _fill(self, wanted: int) -> None:
        while not self._eof and (wanted < 0 or len(self._buffer) < wanted):
            chunk = self._file.read(_CHUNK)
            if chunk:
                self._buffer += self._reader.write(chunk)
            else:
                self._buffer += self._reader.finish()
                self._eof = True

    def read(self, size: Optional[int] = -1) -> bytes:
        self._check("r")
        size = -1 if size is None else size
        self._fill(size)
        n = len(self._buffer) if size < 0 else min(size, len(self._buffer))
        out = bytes(self._buffer[:n])
        del self._buffer[:n]
        self._position += n
        return out

    def read1(self, size: int = -1) -> bytes:
        self._check("r")
        if not self._buffer:
            self._fill(1)
        return self.read(size if size >= 0 else len(self._buffer))

    def readinto(self, b) -> int:
        data = self.read(len(b))
        b[: len(data)] = data
        return len(data)

    def peek(self, size: int = 1) -> bytes:
        self._check("r")
        self._fill(max(size, 1))
        return bytes(self._buffer[: max(size, 1)])

    # -- writing --
    def writable(self) -> bool:
        return self._mode != "r"

    def write(self, data) -> int:
        self._check("w")
        data = bytes(data)
        self._file.write(self._writer.write(data))
        self._position += len(data)
        return len(data)

    # -- both --
    def tell(self) -> int:
        return self._position

    def seekable(self) -> bool:
        return False

    def fileno(self) -> int:
        return self._file.fileno()

    def _check(self, mode: str) -> None:
        if self.closed:
            raise ValueError("I/O operation on closed file")
        if (mode == "r") != (self._mode == "r"):
            raise io.UnsupportedOperation("not readable" if mode == "r" else "not writable")

    def close(self) -> None:
        if self.closed:
            return
        try:
            if self._writer is not None:
                self._file.write(self._writer.finish())
                self._file.flush()
        finally:
            try:
                if self._owns_file:
                    self._file.close()
            finally:
                super().close()


def open(filename, mode: str = "rb", model=None, *, frame_size: int = 8192, threads: int = 0,
         encoding: Optional[str] = None, errors: Optional[str] = None, newline: Optional[str] = None):
    """Opens a ``.llmz`` file like ``gzip.open``: binary modes ``"rb"``, ``"wb"``, ``"xb"`` give an
    ``LlmzFile``; text modes ``"rt"``, ``"wt"``, ``"xt"`` wrap it in ``io.TextIOWrapper``."""
    if "t" in mode:
        if "b" in mode:
            raise ValueError(f"invalid mode {mode!r}")
        binary = LlmzFile(filename, mode.replace("t", "b"), model=model, frame_size=frame_size, threads=threads)
        return io.TextIOWrapper(binary, encoding or "utf-8", errors, newline)
    if encoding is not None or errors is not None or newline is not None:
        raise ValueError("encoding, errors and newline apply to text modes only")
    return LlmzFile(filename, mode if "b" in mode else mode + "b", model=model, frame_size=frame_size, threads=threads)
