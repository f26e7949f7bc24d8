#!/usr/bin/env bash
# Streaming with bounded memory on a large generated input (not in CI: minutes per GB).
# Usage: bench/stream_big.sh [SIZE_MB]   (default 1024)
# The input is binary (random runs, stored; repetitive and zero runs, LZMA2) with 512 bytes of
# text (model-coded) every 64 MiB, generated on the fly, piped through `llmz | llmz -d` and
# compared by SHA-256; /usr/bin/time reports each side's peak memory.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
llmz=${LLMZ:-$here/build/llmz}
size_mb=${1:-1024}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
generate() {
  python3 - "$size_mb" <<'PY'
import os, random, sys
rng = random.Random(1)
text = open(os.path.join(os.environ.get("CORPUS", "../shared/corpus"), "bitter_lesson.txt"), "rb").read()[:512]
out = sys.stdout.buffer
for i in range(int(sys.argv[1])):  # one MiB per step
    extra = text if i % 64 == 0 else b""
    out.write(rng.randbytes(600_000))
    out.write(bytes(range(256)) * 1700)
    out.write(b"\0" * ((1 << 20) - 600_000 - 256 * 1700 - len(extra)))
    out.write(extra)
PY
}
export CORPUS=${CORPUS:-$here/../shared/corpus}
start=$(date +%s.%N)
generate | tee >(sha256sum > "$work/in.sha") | /usr/bin/time -f "compress peak %M KB" "$llmz" -q -c > "$work/z" 2> "$work/ct"
mid=$(date +%s.%N)
/usr/bin/time -f "decompress peak %M KB" "$llmz" -q -d -c < "$work/z" 2> "$work/dt" | sha256sum > "$work/out.sha"
end=$(date +%s.%N)
sleep 1  # the tee's process substitution finishes writing in.sha
cmp -s "$work/in.sha" "$work/out.sha" || { echo "round trip FAILED"; exit 1; }
z=$(stat -c %s "$work/z")
echo "input: ${size_mb} MiB generated; compressed: $z bytes (ratio $(awk -v a="$size_mb" -v b="$z" 'BEGIN{printf "%.2f", a*1048576/b}'))"
awk -v a="$start" -v b="$mid" -v c="$end" -v n="$size_mb" 'BEGIN{printf "compress %.1f MiB/s, decompress %.1f MiB/s\n", n/(b-a), n/(c-b)}'
cat "$work/ct" "$work/dt"
echo "round trip OK (SHA-256 equal)"
