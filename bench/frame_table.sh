#!/usr/bin/env bash
# bpb against frame size on a corpus file, with compression and decompression speed: the table
# behind the default frame size (docs/frames.md). Usage: bench/frame_table.sh [FILE] [BYTES]
# BYTES limits the input to its first BYTES bytes (the full alice29.txt takes many minutes per size).
# FRAMES="2048 4096" chooses the frame sizes (default 2048 to 32768).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
llmz=${LLMZ:-$here/build/llmz}
file=${1:-$here/../shared/corpus/alice29.txt}
limit=${2:-0}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if [ "$limit" -gt 0 ]; then head -c "$limit" "$file" > "$work/in"; else cp "$file" "$work/in"; fi
size=$(stat -c %s "$work/in")
echo "| frame size (bytes) | ~tokens per frame | compressed bytes | bpb | compress KB/s | decompress KB/s |"
echo "|---|---|---|---|---|---|"
for frame in ${FRAMES:-2048 4096 8192 16384 32768}; do
  t0=$(date +%s.%N)
  "$llmz" -q -f --frame-size "$frame" -o "$work/z" "$work/in"
  t1=$(date +%s.%N)
  "$llmz" -q -f -d -o "$work/out" "$work/z"
  t2=$(date +%s.%N)
  cmp -s "$work/in" "$work/out" || { echo "round trip failed at frame size $frame" >&2; exit 1; }
  z=$(stat -c %s "$work/z")
  tokens=$("$llmz" --tokenize "$work/in" | sed -E 's/.*-> ([0-9]+) tokens.*/\1/')
  awk -v f="$frame" -v z="$z" -v n="$size" -v tk="$tokens" -v a="$t0" -v b="$t1" -v c="$t2" 'BEGIN {
    printf "| %d | %d | %d | %.4f | %.2f | %.2f |\n", f, tk * f / n, z, 8 * z / n, n / (b - a) / 1000, n / (c - b) / 1000 }'
done
