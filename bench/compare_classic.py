#!/usr/bin/env python3
"""llmz beside the classic compressors, file by file on the benchmark corpus.

For every file of the corpus (README.md excepted) and every tool -- llmz, gzip -9, bzip2 -9,
xz -9e, zstd -19 and brotli -q 11, each the command-line program reading standard input and
writing standard output -- it measures:

  - the compressed size, the ratio (original / compressed) and bits per byte (8 * compressed / original);
  - compression and decompression speed: bytes of original per second of wall clock, one run
    each, process start-up included (so the classic tools look slow on tiny files);
  - peak memory: the tool's maximum resident set size (GNU time), the larger of the two runs;
  - that decompression gives back the original byte for byte (any difference stops the run).

It writes a markdown table, one section per file, to bench/results/classic.md (and prints it),
and a chart of ratio against compression speed to bench/results/classic.png.

llmz is slow (a few hundred bytes of input per second per core), so the whole corpus takes hours;
progress goes to standard error, and --files restricts the run.

Usage: bench/compare_classic.py [--llmz build/llmz] [--corpus ../shared/corpus] [--files a,b]
                                [--threads N] [--out bench/results]
`make bench-classic` installs the tools, GNU time and matplotlib (into .venv-bench) and runs it.
"""
import argparse
import datetime
import filecmp
import os
import pathlib
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402 (after the backend is chosen)

REPO = pathlib.Path(__file__).resolve().parents[1]
GNU_TIME = "/usr/bin/time"  # Debian package `time`

# name -> (compress argv, decompress argv); all of them filter stdin to stdout.
CLASSIC = {
    "gzip -9": (["gzip", "-9", "-c"], ["gzip", "-d", "-c"]),
    "bzip2 -9": (["bzip2", "-9", "-c"], ["bzip2", "-d", "-c"]),
    "xz -9e": (["xz", "-9e", "-c"], ["xz", "-d", "-c"]),
    "zstd -19": (["zstd", "-19", "-q", "-c"], ["zstd", "-d", "-q", "-c"]),
    "brotli -q 11": (["brotli", "-q", "11", "-c"], ["brotli", "-d", "-c"]),
}


@dataclass
class Run:
    seconds: float
    peak_mb: float


@dataclass
class Result:
    file: str
    tool: str
    original: int
    compressed: int
    compress: Run
    decompress: Run

    @property
    def ratio(self):
        return self.original / self.compressed

    @property
    def bpb(self):
        return 8 * self.compressed / self.original

    @property
    def compress_speed(self):
        return self.original / self.compress.seconds

    @property
    def decompress_speed(self):
        return self.original / self.decompress.seconds

    @property
    def peak_mb(self):
        return max(self.compress.peak_mb, self.decompress.peak_mb)


def run_filter(argv, src, dst):
    """Runs argv with src as stdin and dst as stdout; returns its wall time and peak RSS.

    The peak comes from /usr/bin/time (GNU time's %M): the high-water mark of a child forked by
    this Python process would include the parent's own pages, copied before exec."""
    with open(src, "rb") as fin, open(dst, "wb") as fout, tempfile.TemporaryFile() as ferr, \
            tempfile.NamedTemporaryFile("r") as peak:
        start = time.perf_counter()
        proc = subprocess.run([GNU_TIME, "-f", "%M", "-o", peak.name, *argv], stdin=fin, stdout=fout, stderr=ferr)
        seconds = time.perf_counter() - start
        if proc.returncode != 0:
            ferr.seek(0)
            sys.exit("%s failed (exit %d):\n%s" % (" ".join(argv), proc.returncode,
                                                  ferr.read().decode(errors="replace")))
        peak_kb = int(peak.read().split()[-1])
    return Run(seconds, peak_kb / 1024)


def measure(file, tool, compress_argv, decompress_argv, work):
    packed, unpacked = work / "packed", work / "unpacked"
    size = file.stat().st_size
    progress("%s / %s: compressing %d bytes" % (file.name, tool, size))
    comp = run_filter(compress_argv, file, packed)
    progress("%s / %s: decompressing (%.1f s to compress)" % (file.name, tool, comp.seconds))
    decomp = run_filter(decompress_argv, packed, unpacked)
    if not filecmp.cmp(file, unpacked, shallow=False):
        sys.exit("ROUND TRIP FAILED: %s through %s does not come back byte-identical" % (file, tool))
    result = Result(file.name, tool, size, packed.stat().st_size, comp, decomp)
    progress("%s / %s: %d bytes, %.3f bpb, %.1f s to decompress, round trip OK"
             % (file.name, tool, result.compressed, result.bpb, decomp.seconds))
    return result


def progress(message):
    print("[%s] %s" % (time.strftime("%H:%M:%S"), message), file=sys.stderr, flush=True)


def corpus_files(corpus, names):
    if names:
        files = [corpus / n for n in names.split(",")]
        missing = [str(f) for f in files if not f.is_file()]
        if missing:
            sys.exit("not in the corpus: " + ", ".join(missing))
        return files
    return sorted(f for f in corpus.iterdir() if f.is_file() and f.name != "README.md")


def tools(llmz, threads):
    llmz_tool = {"llmz": ([llmz, "-q", "-c", "-T", str(threads)],
                          [llmz, "-q", "-d", "-c", "-T", str(threads)])}
    missing = [argv[0] for argv, _ in CLASSIC.values() if shutil.which(argv[0]) is None]
    missing += [path for path in (GNU_TIME, llmz) if not os.access(path, os.X_OK)]
    if missing:
        sys.exit("missing: %s (`make bench-classic` installs the tools)" % ", ".join(missing))
    return llmz_tool | CLASSIC


def speed(bytes_per_s):
    if bytes_per_s >= 1e6:
        return "%.1f MB/s" % (bytes_per_s / 1e6)
    return "%.2f KB/s" % (bytes_per_s / 1e3)


def cpu_model():
    for line in pathlib.Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def markdown(results, llmz, threads):
    version = subprocess.run([llmz, "--version"], check=True, capture_output=True, text=True).stdout.strip()
    lines = ["# llmz beside the classic compressors", "",
             "Measured on %s: %s, %d cores; %s with %d threads; the classic tools at the levels named."
             % (datetime.date.today().isoformat(), cpu_model(), os.cpu_count(), version, threads),
             "Speeds are bytes of original per second of wall clock, one run, process start-up included; "
             "peak MB is the larger maximum RSS of the compressing and decompressing process. "
             "Every round trip was checked byte for byte."]
    lines += ["", "## Summary: bits per byte (lower is better)", "",
              "| file | bytes | llmz | best classic | best classic size / llmz size |", "|---|---:|---:|---|---:|"]
    for name in dict.fromkeys(r.file for r in results):
        rows = [r for r in results if r.file == name]
        ours = next((r for r in rows if r.tool == "llmz"), None)
        best = min((r for r in rows if r.tool != "llmz"), key=lambda r: r.compressed, default=None)
        if ours and best:
            lines.append("| %s | %d | %.3f | %.3f (%s) | %.2f |"
                         % (name, ours.original, ours.bpb, best.bpb, best.tool, best.compressed / ours.compressed))
    for name in dict.fromkeys(r.file for r in results):
        rows = [r for r in results if r.file == name]
        lines += ["", "## %s (%d bytes)" % (name, rows[0].original), "",
                  "| tool | size | ratio | bpb | compress | decompress | peak MB |",
                  "|---|---:|---:|---:|---:|---:|---:|"]
        lines += ["| %s | %d | %.2fx | %.3f | %s | %s | %.1f |"
                  % (r.tool, r.compressed, r.ratio, r.bpb, speed(r.compress_speed),
                     speed(r.decompress_speed), r.peak_mb) for r in rows]
    return "\n".join(lines) + "\n"


def chart(results, path):
    files = list(dict.fromkeys(r.file for r in results))
    tool_names = list(dict.fromkeys(r.tool for r in results))
    markers = dict(zip(tool_names, "o^sDvP*X"))
    colours = {f: plt.get_cmap("tab10")(i % 10) for i, f in enumerate(files)}
    fig, ax = plt.subplots(figsize=(9, 6))
    for r in results:
        ax.scatter(r.compress_speed, r.ratio, marker=markers[r.tool], color=colours[r.file], s=60)
    ax.set_xscale("log")
    ax.set_xlabel("compression speed (bytes of original per second, log scale)")
    ax.set_ylabel("ratio (original / compressed)")
    ax.set_title("llmz beside the classic compressors")
    ax.grid(True, which="both", alpha=0.3)
    tool_legend = ax.legend([plt.Line2D([], [], marker=markers[t], color="grey", linestyle="") for t in tool_names],
                            tool_names, title="tool", loc="upper right")
    ax.add_artist(tool_legend)
    ax.legend([plt.Line2D([], [], marker="o", color=colours[f], linestyle="") for f in files],
              files, title="file", loc="upper center")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--llmz", default=str(REPO / "build/llmz"), help="the llmz binary (default: build/llmz)")
    ap.add_argument("--corpus", type=pathlib.Path, default=REPO.parent / "shared/corpus")
    ap.add_argument("--files", help="comma-separated file names in the corpus (default: all but README.md)")
    ap.add_argument("--threads", type=int, default=os.cpu_count(), help="llmz -T (default: all cores)")
    ap.add_argument("--out", type=pathlib.Path, default=REPO / "bench/results",
                    help="folder for classic.md and classic.png")
    args = ap.parse_args()

    commands = tools(args.llmz, args.threads)
    files = corpus_files(args.corpus, args.files)
    if not files:
        sys.exit("no files in %s" % args.corpus)
    results = []
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="llmz-classic-") as tmp:
        for file in files:
            for tool, (compress_argv, decompress_argv) in commands.items():
                results.append(measure(file, tool, compress_argv, decompress_argv, pathlib.Path(tmp)))
            # Written after every file, so a long run that is stopped keeps what it measured.
            table = markdown(results, args.llmz, args.threads)
            (args.out / "classic.md").write_text(table)
            chart(results, args.out / "classic.png")
            progress("wrote %s and %s" % (args.out / "classic.md", args.out / "classic.png"))
    print(table, end="")


if __name__ == "__main__":
    main()
