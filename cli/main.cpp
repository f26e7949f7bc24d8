// llmz command-line tool.
//
// This stage of llmz offers its diagnostic commands (the compressor proper, with zstd-style
// options, arrives with the coder and the file format):
//   llmz inspect-model [--model PATH]            what the model is: architecture, shapes, tensor types
//   llmz tokenize [--model PATH] [--check] FILE  tokenize FILE; --check proves detokenize gives it back
//   llmz estimate [--model PATH] [-T N] FILE      the model's ideal code length for FILE (bits/byte)
// Exit status: 0 success, 1 failure (one line "llmz: ..." on stderr), 2 usage error.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include "common/model_locator.h"
#include "kernels/dispatch.h"
#include "model/engine.h"
#include "model/model.h"
#include "tokenizer/tokenizer_gguf.h"

namespace {

constexpr const char* kVersion = "0.1.0";

struct Options {
  std::string command;
  std::string model;
  std::string file;
  bool check = false;
  int threads = 0;
};

void usage(std::FILE* out) {
  std::fprintf(out,
               "usage: llmz COMMAND [options] [FILE]\n"
               "\n"
               "commands:\n"
               "  inspect-model          describe the model (architecture, shapes, tensor types)\n"
               "  tokenize FILE          tokenize FILE and report the token count\n"
               "  estimate FILE          the model's ideal code length for FILE, in bits per byte\n"
               "\n"
               "options:\n"
               "  --model PATH           model file (default: $LLMZ_MODEL, then the cached default model)\n"
               "  --check                tokenize: verify that detokenizing gives back the exact bytes\n"
               "  -T N, --threads N      worker threads (default: all cores)\n"
               "  -h, --help             this help\n"
               "  -V, --version          version\n");
}

int fail(const std::string& message) {
  std::fprintf(stderr, "llmz: %s\n", message.c_str());
  return 1;
}

bool read_file(const std::string& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  out.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return !in.bad();
}

std::span<const std::uint8_t> as_bytes(const std::string& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

llmz::Result<std::unique_ptr<llmz::Model>> load_model(const Options& o) {
  auto path = llmz::locate_model(o.model);
  if (!path.ok()) return path.error();
  return llmz::Model::load(path.value());
}

int inspect_model(const Options& o) {
  auto model = load_model(o);
  if (!model.ok()) return fail(model.error().message());
  const llmz::Model& m = *model.value();
  const llmz::ModelConfig& c = m.config();
  const llmz::gguf::GgufFile& f = m.gguf();
  auto name = f.get_string("general.name");
  std::printf("model:        %s\n", name.ok() ? std::string(name.value()).c_str() : "(unnamed)");
  std::printf("file:         %llu bytes, GGUF v%u, %zu tensors, %zu metadata keys\n",
              static_cast<unsigned long long>(f.file_size()), f.version(), f.tensors().size(), f.metadata().size());
  std::printf("architecture: %s, %d layers, width %d, %d heads (%d kv), head %d, ffn %d, vocab %d\n",
              c.architecture.c_str(), c.n_layer, c.d_model, c.n_head, c.n_head_kv, c.head_dim, c.d_ff, c.vocab);
  std::printf("rope base:    %g, rms eps %g, trained context %d\n", static_cast<double>(c.rope_base),
              static_cast<double>(c.norm_eps), c.context_length);
  std::map<std::string, int> types;
  std::uint64_t params = 0;
  for (const auto& t : f.tensors()) {
    ++types[llmz::gguf::tensor_type_name(t.type)];
    params += t.n_elements;
  }
  std::printf("parameters:   %llu\ntensor types:", static_cast<unsigned long long>(params));
  for (const auto& [type, count] : types) std::printf(" %s x%d", type.c_str(), count);
  std::printf("\nkernels:      %s (available:", llmz::kern::active_kernels().name);
  for (const auto* k : llmz::kern::available_kernel_sets()) std::printf(" %s", k->name);
  std::printf(")\n");
  return 0;
}

// What the text commands share: the input file, the model and its tokenizer.
struct TextJob {
  std::string text;
  std::unique_ptr<llmz::Model> model;
  std::unique_ptr<llmz::Tokenizer> tokenizer;
};

// Returns 0 with `job` filled, else the exit status (after printing why).
int open_text_job(const Options& o, TextJob& job) {
  if (o.file.empty()) return usage(stderr), 2;
  if (!read_file(o.file, job.text)) return fail(o.file + ": cannot read: " + std::strerror(errno));
  auto model = load_model(o);
  if (!model.ok()) return fail(model.error().message());
  job.model = std::move(model).value();
  auto tok = llmz::tokenizer_from_gguf(job.model->gguf());
  if (!tok.ok()) return fail(tok.error().message());
  job.tokenizer = std::make_unique<llmz::Tokenizer>(std::move(tok).value());
  return 0;
}

int tokenize(const Options& o) {
  TextJob job;
  if (const int status = open_text_job(o, job)) return status;
  const std::string& text = job.text;
  const llmz::Tokenizer& tok = *job.tokenizer;
  const auto t0 = std::chrono::steady_clock::now();
  const std::vector<std::int32_t> ids = tok.encode(as_bytes(text));
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("%s: %zu bytes -> %zu tokens (%.2f bytes/token, %.1f MB/s)\n", o.file.c_str(), text.size(), ids.size(),
              ids.empty() ? 0.0 : static_cast<double>(text.size()) / static_cast<double>(ids.size()),
              secs > 0 ? static_cast<double>(text.size()) / secs / 1e6 : 0.0);
  if (o.check) {
    const std::string back = tok.decode(ids);
    if (back != text) return fail(o.file + ": detokenized text differs from the original");
    std::printf("%s: round trip OK (detokenize(tokenize(x)) == x, %zu bytes)\n", o.file.c_str(), back.size());
  }
  return 0;
}

int estimate(const Options& o) {
  TextJob job;
  if (const int status = open_text_job(o, job)) return status;
  const std::string& text = job.text;
  const llmz::Tokenizer& tok = *job.tokenizer;
  const llmz::Model& model = *job.model;
  std::vector<std::int32_t> ids{0};  // <|endoftext|> starts the context
  tok.encode_append(as_bytes(text), ids);
  llmz::EngineOptions eo;
  eo.threads = o.threads;
  auto engine = llmz::Engine::create(model, eo);
  if (!engine.ok()) return fail(engine.error().message());
  const int vocab = model.config().vocab;
  const int window = std::min<int>(static_cast<int>(ids.size()), 2048);
  llmz::Sequence seq(model.config(), window);
  std::vector<std::uint32_t> freqs(static_cast<std::size_t>(64) * vocab);
  double bits = 0.0;
  const double total = std::ldexp(1.0, engine.value()->cdf_bits());
  const auto t0 = std::chrono::steady_clock::now();
  // Windows of up to 2048 tokens, each starting afresh from <|endoftext|>.
  std::size_t pos = 0;
  while (pos + 1 < ids.size()) {
    seq.clear();
    std::vector<std::int32_t> win{0};
    const std::size_t end = std::min(ids.size(), pos + static_cast<std::size_t>(window));
    win.insert(win.end(), ids.begin() + static_cast<std::ptrdiff_t>(pos + 1), ids.begin() + static_cast<std::ptrdiff_t>(end));
    for (std::size_t i = 0; i + 1 < win.size(); i += 64) {
      const std::size_t n = std::min<std::size_t>(64, win.size() - 1 - i);
      std::span<std::uint32_t> out(freqs.data(), n * vocab);
      if (engine.value()->prefill(seq, std::span<const std::int32_t>(win).subspan(i, n), out) != llmz::Status::ok)
        return fail("the engine rejected the input");
      for (std::size_t r = 0; r < n; ++r) bits -= std::log2(freqs[r * vocab + win[i + r + 1]] / total);
    }
    pos = end - 1;
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const std::size_t n_tokens = ids.size() - 1;
  std::printf("%s: %zu bytes, %zu tokens: %.0f bits = %.1f bytes ideal, %.4f bits/byte (%.2fx), %.3f bits/token, "
              "%.1f tokens/s on %d threads (%s)\n",
              o.file.c_str(), text.size(), n_tokens, bits, bits / 8, text.empty() ? 0.0 : bits / static_cast<double>(text.size()),
              bits > 0 ? 8.0 * static_cast<double>(text.size()) / bits : 0.0, n_tokens ? bits / static_cast<double>(n_tokens) : 0.0,
              secs > 0 ? static_cast<double>(n_tokens) / secs : 0.0, engine.value()->threads(), engine.value()->kernel_name());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&](const char* what) -> const char* {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "llmz: %s needs a value\n", what);
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "-h" || a == "--help") return usage(stdout), 0;
    if (a == "-V" || a == "--version") return std::printf("llmz %s\n", kVersion), 0;
    if (a == "--model") o.model = value("--model");
    else if (a == "--check") o.check = true;
    else if (a == "-T" || a == "--threads") o.threads = std::atoi(value("-T"));
    else if (!a.empty() && a[0] == '-' && a != "-") return std::fprintf(stderr, "llmz: unknown option %s\n", a.c_str()), usage(stderr), 2;
    else if (o.command.empty()) o.command = a;
    else if (o.file.empty()) o.file = a;
    else return std::fprintf(stderr, "llmz: unexpected argument %s\n", a.c_str()), 2;
  }
  if (o.threads < 0 || o.threads > 1024) return std::fprintf(stderr, "llmz: -T must be in [0, 1024]\n"), 2;
  if (o.command == "inspect-model") return inspect_model(o);
  if (o.command == "tokenize") return tokenize(o);
  if (o.command == "estimate") return estimate(o);
  usage(stderr);
  return 2;
}
