"""The original proof of concept's example, on llmz: code ../shared/corpus/bitter_lesson.txt in
message mode, decode it, and compare with LZMA, zstd, brotli, bz2 and gzip.

    python example.py [FILE]        (make demo runs it in the project's virtual environment)
"""
import bz2
import gzip
import lzma
import pathlib
import sys
import time

import llm_compression
from llm_compression import decode, encode

HERE = pathlib.Path(__file__).resolve().parent
DEFAULT_TEXT = HERE.parent / "shared" / "corpus" / "bitter_lesson.txt"


def hex_preview(data: bytes) -> str:
    return "0x" + data[:128].hex() + ("..." if len(data) > 128 else "")


def coded_bits(encoded: bytes) -> int:
    """Bits the decoder needs: the last byte's trailing zero bits are padding (it reads zeros past the end)."""
    if not encoded:
        return 0
    last = encoded[-1]
    return 8 * len(encoded) - ((last & -last).bit_length() - 1 if last else 8)


def report(name: str, packed: bytes, raw: bytes) -> None:
    print(f"{name}: {hex_preview(packed)}")
    print(f"{name} length: {float(len(packed))}")
    print(f"{name} compression ratio: {len(raw) / len(packed)}")


def classic_codecs():
    codecs = [("LZMA", lambda b: lzma.compress(b, preset=9 | lzma.PRESET_EXTREME))]
    try:
        import zstandard

        codecs.append(("zstd", lambda b: zstandard.ZstdCompressor(level=19).compress(b)))
    except ImportError:
        print("(zstandard is not installed: zstd skipped)")
    try:
        import brotli

        codecs.append(("brotli", lambda b: brotli.compress(b, quality=11)))
    except ImportError:
        print("(brotli is not installed: brotli skipped)")
    codecs.append(("bz2", lambda b: bz2.compress(b, 9)))
    codecs.append(("gzip", lambda b: gzip.compress(b, 9, mtime=0)))
    return codecs


def main() -> int:
    path = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_TEXT
    text = path.read_text(encoding="utf-8")
    raw = text.encode("utf-8")
    llm_compression.show_progress = True

    print(f"Original string: {text}")
    t0 = time.perf_counter()
    seed, encoded = encode(text)
    t1 = time.perf_counter()
    decoded = decode(seed, encoded)
    t2 = time.perf_counter()
    print(f"Decoded string: {decoded}")
    assert decoded == text, "the round trip failed"

    bits = coded_bits(encoded)
    print(f"Encoded: {hex_preview(encoded)}")
    print(f"Encoded length: {bits / 8}")
    print(f"Raw: {hex_preview(raw)}")
    print(f"Raw length: {float(len(raw))}")
    print(f"Compression ratio: {len(raw) / (bits / 8)}")
    for name, compress in classic_codecs():
        report(name, compress(raw), raw)

    container = llm_compression.compress(raw, progress=False)
    print()
    print(f"Seed (token count): {seed}")
    print(f"Bits per byte: {bits / len(raw):.4f} (message), {8 * len(container) / len(raw):.4f} "
          f"(.llmz file of {len(container)} bytes, with header and checksums)")
    print(f"Encoding took {t1 - t0:.2f} s ({len(raw) / (t1 - t0):.0f} bytes/s), "
          f"decoding took {t2 - t1:.2f} s ({len(raw) / (t2 - t1):.0f} bytes/s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
