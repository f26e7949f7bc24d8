#!/usr/bin/env python3
"""Engine speed beside llama.cpp on the same GGUF, machine and thread count, in one run.

Prints a markdown table (and writes it to bench/results/engine_vs_llamacpp.md) of tokens/s for
prefill (512 and 2048 tokens) and lock-step decoding (1, 8, 32 sequences) at 1 and 2 threads,
with llama.cpp's prompt processing (pp, all logits and last logit only) and one-sequence
generation (tg) measured in the same run, the ratios, and peak memory.

Usage: bench/engine_vs_llamacpp.py --engine build/bench/engine_speed --model MODEL.gguf
llama.cpp comes from the PyPI package llama-cpp-python, installed by `make bench` into
.venv-bench only (it compiles llama.cpp from source, which takes minutes once).
"""
import argparse
import json
import os
import pathlib
import resource
import subprocess
import sys
import time


def run_engine(engine, model, threads):
    out = subprocess.run([engine, "--model", model, "--threads", str(threads), "--prefill", "512,2048",
                          "--decode", "1,8,32", "--steps", "32"], check=True, capture_output=True, text=True).stdout
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


LLAMA_PROBE = r'''
import json, resource, sys, time
from llama_cpp import Llama
model, threads, text_path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
res = {}
for logits_all in (True, False):
    m = Llama(model_path=model, n_ctx=2560, n_batch=2048, n_ubatch=512, n_threads=threads,
              n_threads_batch=threads, logits_all=logits_all, verbose=False)
    toks = m.tokenize(open(text_path, "rb").read(), add_bos=False)
    for n in (512, 2048):
        best = 0.0
        for _ in range(2):
            m.reset(); t = time.perf_counter(); m.eval(toks[:n]); best = max(best, n / (time.perf_counter() - t))
        res["pp%d_%s" % (n, "all" if logits_all else "last")] = best
    if not logits_all:
        m.reset(); m.eval(toks[:64]); t = time.perf_counter()
        for i in range(64):
            m.eval([toks[64 + i]])
        res["tg"] = 64 / (time.perf_counter() - t)
    del m
res["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(res))
'''


def run_llama(python, model, threads, text):
    out = subprocess.run([python, "-c", LLAMA_PROBE, model, str(threads), text], check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--engine", required=True)
    ap.add_argument("--model", required=True)
    ap.add_argument("--llama-python", default=".venv-bench/bin/python")
    ap.add_argument("--text", default=str(pathlib.Path(__file__).resolve().parents[2] / "shared/corpus/alice29.txt"))
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--out", default="bench/results/engine_vs_llamacpp.md")
    args = ap.parse_args()

    rows = []
    for threads in [int(t) for t in args.threads.split(",")]:
        ours = {(r["case"], r["n"]): r for r in run_engine(args.engine, args.model, threads)}
        peer = run_llama(args.llama_python, args.model, threads, args.text)
        kern = next(iter(ours.values()))["kernels"]
        for n in (512, 2048):
            o = ours[("prefill", n)]["tokens_per_s"]
            rows.append((threads, "prefill %d (all logits, integer CDFs)" % n, o, peer["pp%d_all" % n],
                         "llama.cpp pp%d, all logits" % n, ours[("prefill", n)]["peak_rss_mb"], peer["peak_rss_mb"], kern))
            rows.append((threads, "prefill %d" % n, o, peer["pp%d_last" % n],
                         "llama.cpp pp%d, last logit only" % n, ours[("prefill", n)]["peak_rss_mb"], peer["peak_rss_mb"], kern))
        for b in (1, 8, 32):
            o = ours[("decode", b)]["tokens_per_s"]
            rows.append((threads, "lock-step decode, %d seq" % b, o, peer["tg"], "llama.cpp tg (1 seq)",
                         ours[("decode", b)]["peak_rss_mb"], peer["peak_rss_mb"], kern))
            rows.append((threads, "lock-step decode, %d seq" % b, o, peer["pp512_all"], "llama.cpp pp512, all logits",
                         ours[("decode", b)]["peak_rss_mb"], peer["peak_rss_mb"], kern))

    lines = ["| threads | llmz case | llmz tok/s | llama.cpp case | llama.cpp tok/s | ratio | llmz peak MB | llama.cpp peak MB | llmz kernels |",
             "|---|---|---|---|---|---|---|---|---|"]
    for t, case, o, p, pcase, om, pm, kern in rows:
        lines.append("| %d | %s | %.1f | %s | %.1f | %.2fx | %.0f | %.0f | %s |" % (t, case, o, pcase, p, o / p, om, pm, kern))
    table = "\n".join(lines)
    print(table)
    out = pathlib.Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("# Engine speed vs llama.cpp\n\nMeasured in one run on %s, %s.\n\n%s\n" %
                   (os.uname().nodename, time.strftime("%Y-%m-%d"), table))


if __name__ == "__main__":
    main()
