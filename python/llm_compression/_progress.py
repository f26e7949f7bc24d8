"""tqdm progress bars for the library's progress reports (stage, done, total)."""
from __future__ import annotations

import contextlib

_LABELS = {
    "probabilities": ("Computing probabilities", "tok"),
    "encoding": ("Encoding tokens", "tok"),
    "decoding": ("Decoding tokens", "tok"),
    "compress": ("Compressing", "B"),
    "decompress": ("Decompressing", "B"),
}


class Bars:
    """A callable for the C++ progress reports: one tqdm bar per stage, opened on its first report
    and closed when the next stage starts, so the bars stack like the original's."""

    def __init__(self):
        self._bars = {}

    def __call__(self, stage: str, done: int, total: int) -> None:
        bar = self._bars.get(stage)
        if bar is None:
            from tqdm.auto import tqdm

            for other in self._bars.values():
                other.close()
            label, unit = _LABELS.get(stage, (stage, "it"))
            bar = self._bars[stage] = tqdm(total=total or None, desc=label, unit=unit,
                                           unit_scale=unit == "B", leave=True)
        if total and bar.total != total:
            bar.total = total
        bar.update(done - bar.n)

    def close(self) -> None:
        for bar in self._bars.values():
            bar.close()
        self._bars.clear()

    @staticmethod
    @contextlib.contextmanager
    def maybe(bars):
        """Yields ``bars`` (or None) and closes them afterwards."""
        try:
            yield bars
        finally:
            if bars is not None:
                bars.close()
