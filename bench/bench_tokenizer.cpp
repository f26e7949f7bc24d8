// Tokenizer speed (MB/s) on the corpus with the default model's vocabulary.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>

#include "common/model_locator.h"
#include "gguf/gguf.h"
#include "tokenizer/tokenizer_gguf.h"

namespace {

const llmz::Tokenizer* tokenizer() {
  static std::unique_ptr<llmz::Tokenizer> t = [] {
    std::unique_ptr<llmz::Tokenizer> out;
    auto path = llmz::locate_model("");
    if (!path.ok()) return out;
    auto file = llmz::gguf::GgufFile::open(path.value());
    if (!file.ok()) return out;
    auto tok = llmz::tokenizer_from_gguf(file.value());
    if (tok.ok()) out = std::make_unique<llmz::Tokenizer>(std::move(tok).value());
    return out;
  }();
  return t.get();
}

// The corpus folder: $LLMZ_CORPUS (as for the Python tests), else shared/corpus beside the repository.
std::string corpus(const char* name) {
  const char* dir = std::getenv("LLMZ_CORPUS");
  const std::string folder = dir != nullptr && *dir != '\0' ? dir : std::string(LLMZ_SOURCE_DIR) + "/../shared/corpus";
  std::ifstream in(folder + "/" + name, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

void BM_Tokenize(benchmark::State& state, const char* name) {
  const llmz::Tokenizer* t = tokenizer();
  if (t == nullptr) return state.SkipWithError("default model not provisioned (make model)");
  const std::string text = corpus(name);
  if (text.empty()) return state.SkipWithError("corpus file missing (set LLMZ_CORPUS)");
  const std::span<const std::uint8_t> bytes(reinterpret_cast<const std::uint8_t*>(text.data()), text.size());
  std::vector<std::int32_t> ids;
  for (auto _ : state) {
    ids.clear();
    t->encode_append(bytes, ids);
    benchmark::DoNotOptimize(ids.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(text.size()));
  state.counters["bytes_per_token"] = static_cast<double>(text.size()) / static_cast<double>(ids.size());
}

void BM_Detokenize(benchmark::State& state, const char* name) {
  const llmz::Tokenizer* t = tokenizer();
  if (t == nullptr) return state.SkipWithError("default model not provisioned (make model)");
  const std::string text = corpus(name);
  if (text.empty()) return state.SkipWithError("corpus file missing (set LLMZ_CORPUS)");
  const auto ids = t->encode(std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
  for (auto _ : state) {
    std::string back = t->decode(ids);
    benchmark::DoNotOptimize(back.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(text.size()));
}

}  // namespace

BENCHMARK_CAPTURE(BM_Tokenize, alice29, "alice29.txt")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Tokenize, asyoulik, "asyoulik.txt")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Tokenize, bitter_lesson, "bitter_lesson.txt")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Tokenize, html, "html")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Tokenize, urls, "urls.10K")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Tokenize, jpeg, "fireworks.jpeg")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Detokenize, alice29, "alice29.txt")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Detokenize, html, "html")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Detokenize, urls, "urls.10K")->Unit(benchmark::kMillisecond);
BENCHMARK_MAIN();
