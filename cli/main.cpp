// llmz: the command-line compressor, with gzip/zstd manners (docs/llmz.1.md).
//
//   llmz [options] [FILE...]     compress each FILE to FILE.llmz (stdin -> stdout without FILE)
//   -d  decompress (also chosen for FILE.llmz), -c stdout, -o FILE, -k keep (default), --rm,
//   -f force, -t test, -l list, -v / -q, -T N threads, --model PATH, --frame-size N
// Diagnostics: --inspect-model, --tokenize FILE [--check], --estimate FILE.
// Exit status: 0 success, 1 an operation failed ("llmz: FILE: reason" on stderr), 2 usage error.
// Output goes to a temporary file beside the target that is renamed at the end, and is removed
// on any failure or on SIGINT/SIGTERM/SIGHUP: no partial output is ever left behind.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "codec/compressor.h"
#include "codec/token_coder.h"
#include "common/mapped_file.h"
#include "common/model_locator.h"
#include "kernels/dispatch.h"
#include "model/engine.h"
#include "model/model.h"
#include "tokenizer/tokenizer_gguf.h"

namespace {

constexpr const char* kVersion = "0.2.0";
constexpr const char* kSuffix = ".llmz";

enum class Mode { compress, decompress, test, list, inspect_model, tokenize, estimate };

struct Options {
  std::optional<Mode> mode;
  std::vector<std::string> files;
  std::string output;
  std::string model;
  bool to_stdout = false;
  bool remove_input = false;
  bool force = false;
  bool check = false;
  int verbosity = 1;  // 0 quiet, 1 normal, 2 verbose
  int threads = 0;
  std::uint32_t frame_size = 8192;
};

void usage(std::FILE* out) {
  std::fprintf(out,
               "usage: llmz [options] [FILE...]\n"
               "Compress FILEs (or standard input) with a language model; FILE.llmz is decompressed.\n"
               "\n"
               "  -d, --decompress     decompress\n"
               "  -c, --stdout         write to standard output, keep the input\n"
               "  -o FILE              write to FILE (one input only)\n"
               "  -k, --keep           keep the input file (default)\n"
               "      --rm             remove the input file after success\n"
               "  -f, --force          overwrite existing files; write compressed data to a terminal\n"
               "  -t, --test           test compressed files (decompress, check, discard)\n"
               "  -l, --list           list compressed files: sizes, ratio, bits per byte, model, frames\n"
               "  -v, --verbose        report ratio, bits per byte and speed\n"
               "  -q, --quiet          no progress and no warnings\n"
               "  -T N, --threads N    worker threads (default 0: all cores)\n"
               "      --model PATH     model file (default: $LLMZ_MODEL, then the cached default model)\n"
               "      --frame-size N   largest frame in bytes when compressing (default 8192)\n"
               "  -h, --help           this help;  -V, --version  the version\n"
               "\n"
               "diagnostics:\n"
               "      --inspect-model  describe the model (architecture, shapes, tensor types, kernels)\n"
               "      --tokenize FILE  token count of FILE (with --check: prove detokenize(tokenize(x)) == x)\n"
               "      --estimate FILE  the model's ideal code length for FILE in bits per byte\n");
}

void message(const std::string& where, const std::string& what) {
  if (where.empty()) std::fprintf(stderr, "llmz: %s\n", what.c_str());
  else std::fprintf(stderr, "llmz: %s: %s\n", where.c_str(), what.c_str());
}

// ---- signal-safe removal of the output being written -------------------------------------------

char g_partial_path[4096];
volatile sig_atomic_t g_have_partial = 0;

void on_signal(int sig) {
  if (g_have_partial) unlink(g_partial_path);
  signal(sig, SIG_DFL);
  raise(sig);
}

void install_signal_handlers() {
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) signal(sig, on_signal);
}

// ---- files -------------------------------------------------------------------------------------

// Reads up to buf.size() bytes (fewer only at the end of the input); -1 on error.
ssize_t read_some(int fd, std::span<std::uint8_t> buf, std::string& error) {
  std::size_t got = 0;
  while (got < buf.size()) {
    const ssize_t n = read(fd, buf.data() + got, buf.size() - got);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      error = std::strerror(errno);
      return -1;
    }
    got += static_cast<std::size_t>(n);
  }
  return static_cast<ssize_t>(got);
}

bool write_all(int fd, std::span<const std::uint8_t> data, std::string& error) {
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      error = std::strerror(errno);
      return false;
    }
    done += static_cast<std::size_t>(n);
  }
  return true;
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Where a job's output goes: standard output, or a temporary file beside the destination that
// is renamed over it only when everything succeeded (and removed on failure or a signal).
class Output {
 public:
  ~Output() { abandon(); }
  bool open_stdout() {
    fd_ = STDOUT_FILENO;
    return true;
  }
  bool open_file(const std::string& path, mode_t mode, std::string& error) {
    path_ = path;
    tmp_ = path + ".llmz-partial";
    if (tmp_.size() >= sizeof g_partial_path) {
      error = "path too long";
      return false;
    }
    std::memcpy(g_partial_path, tmp_.c_str(), tmp_.size() + 1);
    g_have_partial = 1;
    fd_ = open(tmp_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode & 0777);
    if (fd_ < 0) {
      error = std::strerror(errno);
      g_have_partial = 0;
      return false;
    }
    return true;
  }
  bool write(std::span<const std::uint8_t> data, std::string& error) { return write_all(fd_, data, error); }
  // Makes the output final: fsync and rename a file; nothing to do for stdout.
  bool commit(std::string& error) {
    if (tmp_.empty()) return true;
    bool ok = fsync(fd_) == 0;
    if (ok) ok = close(fd_) == 0;
    else close(fd_);
    fd_ = -1;
    if (ok) ok = rename(tmp_.c_str(), path_.c_str()) == 0;
    if (!ok) error = std::strerror(errno);
    if (!ok) unlink(tmp_.c_str());
    g_have_partial = 0;
    tmp_.clear();
    return ok;
  }
  void abandon() {
    if (tmp_.empty()) return;
    if (fd_ >= 0) close(fd_);
    unlink(tmp_.c_str());
    g_have_partial = 0;
    tmp_.clear();
    fd_ = -1;
  }

 private:
  int fd_ = -1;
  std::string path_, tmp_;
};

// ---- progress ----------------------------------------------------------------------------------

class ProgressBar {
 public:
  ProgressBar(std::string label, bool enabled) : label_(std::move(label)), enabled_(enabled) {}
  ~ProgressBar() { finish(); }
  void update(std::uint64_t done, std::uint64_t total) {
    if (!enabled_ || total == 0) return;
    const auto now = std::chrono::steady_clock::now();
    if (shown_ && done < total && now - last_ < std::chrono::milliseconds(200)) return;
    last_ = now;
    shown_ = true;
    const int width = 30;
    const int filled = static_cast<int>(static_cast<double>(done) / static_cast<double>(total) * width);
    std::fprintf(stderr, "\r%s [%.*s%*s] %3d%%", label_.c_str(), filled, "##############################",
                 width - filled, "", static_cast<int>(100.0 * static_cast<double>(done) / static_cast<double>(total)));
    std::fflush(stderr);
  }
  void finish() {
    if (shown_) std::fprintf(stderr, "\r\033[K");
    shown_ = false;
  }

 private:
  std::string label_;
  bool enabled_;
  bool shown_ = false;
  std::chrono::steady_clock::time_point last_{};
};

// ---- the model, loaded once and only when needed ------------------------------------------------

struct Loaded {
  std::unique_ptr<llmz::Model> model;
  std::unique_ptr<llmz::Tokenizer> tokenizer;
  std::unique_ptr<llmz::codec::Compressor> compressor;
};

llmz::Result<Loaded*> load(const Options& o) {
  static std::optional<Loaded> loaded;
  if (loaded) return &*loaded;
  auto path = llmz::locate_model(o.model);
  if (!path.ok()) return path.error();
  auto model = llmz::Model::load(path.value());
  if (!model.ok()) return model.error();
  auto tok = llmz::tokenizer_from_gguf(model.value()->gguf());
  if (!tok.ok()) return tok.error();
  Loaded l;
  l.model = std::move(model).value();
  l.tokenizer = std::make_unique<llmz::Tokenizer>(std::move(tok).value());
  llmz::EngineOptions eo;
  eo.threads = o.threads;
  auto c = llmz::codec::Compressor::create(*l.model, *l.tokenizer, eo);
  if (!c.ok()) return c.error();
  l.compressor = std::move(c).value();
  loaded = std::move(l);
  return &*loaded;
}

// ---- one input ----------------------------------------------------------------------------------

struct Job {
  std::string name;     // for messages: the path, or "(stdin)"
  std::string input;    // path, empty for stdin
  std::string output;   // path, empty for stdout
};

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

std::string human(std::uint64_t n) {
  char buf[32];
  if (n < 10000) std::snprintf(buf, sizeof buf, "%llu B", static_cast<unsigned long long>(n));
  else if (n < 10000000) std::snprintf(buf, sizeof buf, "%.1f KiB", static_cast<double>(n) / 1024.0);
  else std::snprintf(buf, sizeof buf, "%.1f MiB", static_cast<double>(n) / 1048576.0);
  return buf;
}

int list_job(const Job& job) {
  std::vector<std::uint8_t> from_stdin;
  llmz::MappedFile mapped;
  std::span<const std::uint8_t> in;
  std::string error;
  if (job.input.empty()) {
    std::vector<std::uint8_t> buf(1 << 20);
    for (;;) {
      const ssize_t n = read_some(STDIN_FILENO, buf, error);
      if (n < 0) return message(job.name, "cannot read: " + error), 1;
      from_stdin.insert(from_stdin.end(), buf.begin(), buf.begin() + n);
      if (static_cast<std::size_t>(n) < buf.size()) break;
    }
    in = from_stdin;
  } else {
    auto m = llmz::MappedFile::open(job.input);
    if (!m.ok()) return message(job.name, m.error().message()), 1;
    mapped = std::move(m).value();
    in = mapped.bytes();
  }
  auto info = llmz::codec::inspect_file(in);
  if (!info.ok()) return message(job.name, info.error().message()), 1;
  const auto& i = info.value();
  std::printf("%12s %12s %7.3f %6.3f %6llu %6llu %6llu %-32s %s\n", human(i.compressed_size).c_str(), human(i.original_size).c_str(),
              i.compressed_size ? static_cast<double>(i.original_size) / static_cast<double>(i.compressed_size) : 0.0,
              i.original_size ? 8.0 * static_cast<double>(i.compressed_size) / static_cast<double>(i.original_size) : 0.0,
              static_cast<unsigned long long>(i.model_frames), static_cast<unsigned long long>(i.classic_frames),
              static_cast<unsigned long long>(i.stored_frames),
              llmz::codec::fingerprint_hex(i.header.model, llmz::container::fingerprint_size(i.header)).c_str(), job.name.c_str());
  return 0;
}

// Compresses, decompresses or tests one input as a stream: memory stays bounded whatever its size.
int run_job(const Options& o, Mode mode, const Job& job) {
  if (mode == Mode::list) return list_job(job);
  std::string error;
  mode_t file_mode = 0644;
  std::uint64_t input_size = 0;  // for the progress bar; 0 when unknown
  int in_fd = STDIN_FILENO;
  if (!job.input.empty()) {
    in_fd = open(job.input.c_str(), O_RDONLY | O_CLOEXEC);
    if (in_fd < 0) return message(job.name, std::strerror(errno)), 1;
    struct stat st {};
    if (fstat(in_fd, &st) == 0) {
      if (!S_ISREG(st.st_mode)) {
        close(in_fd);
        return message(job.name, "not a regular file, ignored"), 1;
      }
      file_mode = st.st_mode;
      input_size = static_cast<std::uint64_t>(st.st_size);
    }
  }
  struct CloseInput {
    int fd;
    ~CloseInput() {
      if (fd != STDIN_FILENO) close(fd);
    }
  } close_input{in_fd};
  auto loaded = load(o);
  if (!loaded.ok()) return message("", loaded.error().message()), 1;
  llmz::codec::Compressor& c = *loaded.value()->compressor;

  Output output;
  if (mode != Mode::test) {
    const bool ok = job.output.empty() ? output.open_stdout() : output.open_file(job.output, file_mode, error);
    if (!ok) return message(job.output, "cannot write: " + error), 1;
  }
  const auto t0 = std::chrono::steady_clock::now();
  ProgressBar bar(job.name, o.verbosity > 0 && isatty(STDERR_FILENO) && input_size > 4096);
  std::uint64_t bytes_in = 0, bytes_out = 0;
  auto progress = [&](std::uint64_t done, std::uint64_t) { bar.update(done, input_size); };

  std::unique_ptr<llmz::codec::StreamCompressor> compressor;
  std::unique_ptr<llmz::codec::StreamDecompressor> decompressor;
  if (mode == Mode::compress) {
    llmz::codec::CompressOptions co = llmz::codec::CompressOptions::with_frame_size(o.frame_size);
    co.progress = progress;
    auto s = llmz::codec::StreamCompressor::create(c, co);
    if (!s.ok()) return message(job.name, s.error().message()), 1;
    compressor = std::move(s).value();
  } else {
    decompressor = std::make_unique<llmz::codec::StreamDecompressor>(c, 16, progress);
  }
  auto fail = [&](const llmz::Error& e) {
    bar.finish();
    output.abandon();
    if (e.status == llmz::Status::wrong_model)
      return message(job.name, "needs another model: " + e.detail + "; pass it with --model PATH"), 1;
    return message(job.name, e.message()), 1;
  };
  std::vector<std::uint8_t> buf(1 << 20), out;
  for (bool at_end = false; !at_end;) {
    const ssize_t n = read_some(in_fd, buf, error);
    if (n < 0) return bar.finish(), output.abandon(), message(job.name, "cannot read: " + error), 1;
    at_end = static_cast<std::size_t>(n) < buf.size();
    const std::span<const std::uint8_t> piece(buf.data(), static_cast<std::size_t>(n));
    out.clear();
    llmz::Error e = compressor ? compressor->write(piece, out) : decompressor->write(piece, out);
    if (!e && at_end) e = compressor ? compressor->finish(out) : decompressor->finish(out);
    if (e) return fail(e);
    bytes_in += piece.size();
    bytes_out += out.size();
    if (mode != Mode::test && !output.write(out, error)) {
      bar.finish();
      output.abandon();
      return message(job.output.empty() ? "(stdout)" : job.output, "cannot write: " + error), 1;
    }
  }
  bar.finish();
  const double secs = seconds_since(t0);
  if (mode != Mode::test) {
    if (!output.commit(error)) return message(job.output, "cannot write: " + error), 1;
    if (o.remove_input && !job.input.empty() && unlink(job.input.c_str()) != 0)
      return message(job.name, std::string("cannot remove: ") + std::strerror(errno)), 1;
  }
  const std::uint64_t original = mode == Mode::compress ? bytes_in : bytes_out;
  const std::uint64_t packed = mode == Mode::compress ? bytes_out : bytes_in;
  if (mode == Mode::test && o.verbosity > 0) std::fprintf(stderr, "%s: OK\n", job.name.c_str());
  if (o.verbosity > 1) {
    std::fprintf(stderr, "%s: %llu -> %llu bytes, ratio %.3f, %.4f bits/byte, %.1f KB/s (%s, %d threads)\n",
                 job.name.c_str(), static_cast<unsigned long long>(mode == Mode::compress ? original : packed),
                 static_cast<unsigned long long>(mode == Mode::compress ? packed : original),
                 packed ? static_cast<double>(original) / static_cast<double>(packed) : 0.0,
                 original ? 8.0 * static_cast<double>(packed) / static_cast<double>(original) : 0.0,
                 secs > 0 ? static_cast<double>(original) / secs / 1000.0 : 0.0, c.engine().kernel_name(), c.engine().threads());
  }
  return 0;
}

// ---- diagnostics ----------------------------------------------------------------------------------

int inspect_model(const Options& o) {
  auto l = load(o);
  if (!l.ok()) return message("", l.error().message()), 1;
  const llmz::Model& m = *l.value()->model;
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
  std::printf("\nfingerprint:  %s\n", llmz::codec::fingerprint_hex(l.value()->compressor->fingerprint()).c_str());
  std::printf("kernels:      %s (available:", llmz::kern::active_kernels().name);
  for (const auto* k : llmz::kern::available_kernel_sets()) std::printf(" %s", k->name);
  std::printf(")\n");
  return 0;
}

int tokenize_or_estimate(const Options& o, Mode mode) {
  if (o.files.size() != 1) return usage(stderr), 2;
  const std::string& path = o.files[0];
  auto mapped = llmz::MappedFile::open(path);
  if (!mapped.ok()) return message(path, mapped.error().message()), 1;
  const std::span<const std::uint8_t> text = mapped.value().bytes();
  auto l = load(o);
  if (!l.ok()) return message("", l.error().message()), 1;
  const llmz::Tokenizer& tok = *l.value()->tokenizer;
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<std::int32_t> ids;
  tok.encode_append(text, ids);
  const double secs = seconds_since(t0);
  if (mode == Mode::tokenize) {
    std::printf("%s: %zu bytes -> %zu tokens (%.2f bytes/token, %.1f MB/s)\n", path.c_str(), text.size(), ids.size(),
                ids.empty() ? 0.0 : static_cast<double>(text.size()) / static_cast<double>(ids.size()),
                secs > 0 ? static_cast<double>(text.size()) / secs / 1e6 : 0.0);
    if (o.check) {
      const std::string back = tok.decode(ids);
      if (back.size() != text.size() || std::memcmp(back.data(), text.data(), text.size()) != 0)
        return message(path, "detokenized text differs from the original"), 1;
      std::printf("%s: round trip OK (detokenize(tokenize(x)) == x, %zu bytes)\n", path.c_str(), back.size());
    }
    return 0;
  }
  // estimate: the ideal code length of the file in windows of up to 4096 tokens, each starting
  // from the context token as a frame does.
  llmz::Engine& e = l.value()->compressor->engine();
  const double total = std::ldexp(1.0, e.cdf_bits());
  double bits = 0;
  const auto t1 = std::chrono::steady_clock::now();
  constexpr std::size_t kWindow = 4096;
  for (std::size_t start = 0; start < ids.size(); start += kWindow) {
    const std::size_t n = std::min(kWindow, ids.size() - start);
    auto p = llmz::codec::token_probabilities(e, std::span<const std::int32_t>(ids).subspan(start, n));
    if (!p.ok()) return message(path, p.error().message()), 1;
    for (std::size_t i = 0; i < n; ++i) bits -= std::log2(p.value()[2 * i + 1] / total);
  }
  const double s = seconds_since(t1);
  std::printf("%s: %zu bytes, %zu tokens: %.0f bits = %.1f bytes ideal, %.4f bits/byte (%.2fx), %.3f bits/token, "
              "%.1f tokens/s on %d threads (%s)\n",
              path.c_str(), text.size(), ids.size(), bits, bits / 8, text.empty() ? 0.0 : bits / static_cast<double>(text.size()),
              bits > 0 ? 8.0 * static_cast<double>(text.size()) / bits : 0.0, ids.empty() ? 0.0 : bits / static_cast<double>(ids.size()),
              s > 0 ? static_cast<double>(ids.size()) / s : 0.0, e.threads(), e.kernel_name());
  return 0;
}

// ---- arguments ----------------------------------------------------------------------------------

bool set_mode(Options& o, Mode m) {
  if (o.mode && *o.mode != m) return false;
  o.mode = m;
  return true;
}

// Returns 0 to go on, else the exit status to end with.
int parse(int argc, char** argv, Options& o, bool& done) {
  bool only_files = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (only_files || a == "-" || a.empty() || a[0] != '-') {
      o.files.push_back(a);
      continue;
    }
    if (a == "--") {
      only_files = true;
      continue;
    }
    auto value = [&](const std::string& name) -> const char* {
      if (i + 1 >= argc) {
        message("", name + " needs a value");
        return nullptr;
      }
      return argv[++i];
    };
    bool ok = true;
    if (a == "-h" || a == "--help") { usage(stdout); done = true; return 0; }
    if (a == "-V" || a == "--version") { std::printf("llmz %s\n", kVersion); done = true; return 0; }
    if (a == "-d" || a == "--decompress") ok = set_mode(o, Mode::decompress);
    else if (a == "-t" || a == "--test") ok = set_mode(o, Mode::test);
    else if (a == "-l" || a == "--list") ok = set_mode(o, Mode::list);
    else if (a == "--inspect-model") ok = set_mode(o, Mode::inspect_model);
    else if (a == "--tokenize") ok = set_mode(o, Mode::tokenize);
    else if (a == "--estimate") ok = set_mode(o, Mode::estimate);
    else if (a == "--check") o.check = true;
    else if (a == "-c" || a == "--stdout") o.to_stdout = true;
    else if (a == "-k" || a == "--keep") o.remove_input = false;
    else if (a == "--rm") o.remove_input = true;
    else if (a == "-f" || a == "--force") o.force = true;
    else if (a == "-v" || a == "--verbose") o.verbosity = 2;
    else if (a == "-q" || a == "--quiet") o.verbosity = 0;
    else if (a == "-o") { const char* v = value(a); if (!v) return 2; o.output = v; }
    else if (a == "--model") { const char* v = value(a); if (!v) return 2; o.model = v; }
    else if (a == "-T" || a == "--threads") {
      const char* v = value(a);
      if (!v) return 2;
      char* end = nullptr;
      const long n = std::strtol(v, &end, 10);
      if (*v == '\0' || *end != '\0' || n < 0 || n > 1024) return message("", "-T needs a number in [0, 1024]"), 2;
      o.threads = static_cast<int>(n);
    } else if (a == "--frame-size") {
      const char* v = value(a);
      if (!v) return 2;
      char* end = nullptr;
      const long n = std::strtol(v, &end, 10);
      if (*v == '\0' || *end != '\0' || n < 1 || n > (1L << 26)) return message("", "--frame-size needs a number in [1, 2^26]"), 2;
      o.frame_size = static_cast<std::uint32_t>(n);
    } else {
      message("", "unknown option " + a + " (see llmz --help)");
      return 2;
    }
    if (!ok) return message("", "conflicting modes (choose one of -d, -t, -l and the diagnostics)"), 2;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  bool done = false;
  if (const int status = parse(argc, argv, o, done); status != 0 || done) return status;
  if (o.mode == Mode::inspect_model) return inspect_model(o);
  if (o.mode == Mode::tokenize || o.mode == Mode::estimate) return tokenize_or_estimate(o, *o.mode);
  install_signal_handlers();
  if (o.files.empty()) o.files.push_back("-");
  if (!o.output.empty() && o.files.size() != 1) return message("", "-o takes one input file"), 2;
  int status = 0;
  if (o.mode == Mode::list)
    std::printf("%12s %12s %7s %6s %6s %6s %6s %-32s %s\n", "compressed", "original", "ratio", "bpb", "model", "lzma",
                "stored", "model fingerprint", "name");
  for (const std::string& file : o.files) {
    Mode mode = o.mode.value_or(ends_with(file, kSuffix) ? Mode::decompress : Mode::compress);
    Job job;
    job.name = file == "-" ? "(stdin)" : file;
    job.input = file == "-" ? "" : file;
    if (mode == Mode::compress || mode == Mode::decompress) {
      if (o.to_stdout || (file == "-" && o.output.empty())) {
        job.output.clear();
      } else if (!o.output.empty()) {
        job.output = o.output;
      } else if (mode == Mode::compress) {
        if (ends_with(file, kSuffix)) {
          if (o.verbosity > 0) message(file, "already has the .llmz suffix, ignored");
          status = 1;
          continue;
        }
        job.output = file + kSuffix;
      } else {
        if (!ends_with(file, kSuffix)) {
          message(file, "unknown suffix (expected .llmz), ignored; use -o or -c");
          status = 1;
          continue;
        }
        job.output = file.substr(0, file.size() - std::strlen(kSuffix));
      }
      if (job.output.empty() && mode == Mode::compress && !o.force && isatty(STDOUT_FILENO)) {
        message("", "refusing to write compressed data to a terminal (use -f to force, or -o FILE)");
        return 1;
      }
      struct stat st {};
      if (!job.output.empty() && !o.force && stat(job.output.c_str(), &st) == 0) {
        message(job.output, "already exists; not overwritten (use -f to force)");
        status = 1;
        continue;
      }
    }
    if (run_job(o, mode, job) != 0) status = 1;
  }
  return status;
}
