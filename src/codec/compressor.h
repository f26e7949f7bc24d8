// Compressor: bytes <-> .llmz container (docs/FORMAT.md) with a model, a tokenizer and an engine.
//
// Contract:
//  - compress() splits the input into frames of at most frame_size bytes (ending at a newline,
//    space or character boundary near the limit when there is one), codes each with the model or
//    stores it (docs/FORMAT.md "Choosing the method"), and returns the whole file. The output is
//    a pure function of (input, options, model): identical for any thread count or kernel set.
//  - decompress() checks everything (header, fingerprint, frame rules, every frame's and the whole
//    content's checksum) and returns the original bytes or an Error; never partial output.
//    Model frames are decoded in lock-step batches of up to `batch` frames.
//  - Errors: wrong_model (the detail names the fingerprint the file needs), bad_magic,
//    unsupported_version, truncated, corrupt_data, checksum_mismatch.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <memory>
#include <span>
#include <vector>

#include "common/result.h"
#include "container/format.h"
#include "model/engine.h"
#include "tokenizer/tokenizer.h"

namespace llmz::codec {

// Called after each frame (compress) or batch of frames (decompress) with the original bytes
// done so far and the total; may be empty.
using Progress = std::function<void(std::uint64_t done, std::uint64_t total)>;

struct CompressOptions {
  std::uint32_t frame_size = 8192;
  Progress progress;
};

// What a file holds, read from its structure alone (no decoding): for `llmz -l`.
struct FileInfo {
  container::Header header;
  std::uint64_t original_size = 0;
  std::uint64_t compressed_size = 0;
  std::uint64_t model_frames = 0;
  std::uint64_t stored_frames = 0;
  std::uint64_t tokens = 0;
};
Result<FileInfo> inspect_file(std::span<const std::uint8_t> file);

class Compressor {
 public:
  // The model and tokenizer must outlive the Compressor.
  static Result<std::unique_ptr<Compressor>> create(const Model& model, const Tokenizer& tokenizer,
                                                    const EngineOptions& engine_options);

  Result<std::vector<std::uint8_t>> compress(std::span<const std::uint8_t> input, const CompressOptions& options);
  // `batch`: model frames decoded in lock-step.
  Result<std::vector<std::uint8_t>> decompress(std::span<const std::uint8_t> file, int batch = 16,
                                               const Progress& progress = {});

  const container::Fingerprint& fingerprint() const noexcept { return fingerprint_; }
  Engine& engine() noexcept { return *engine_; }

 private:
  Compressor(const Tokenizer& tokenizer, std::unique_ptr<Engine> engine, container::Fingerprint fp)
      : tokenizer_(tokenizer), engine_(std::move(engine)), fingerprint_(fp) {}

  const Tokenizer& tokenizer_;
  std::unique_ptr<Engine> engine_;
  container::Fingerprint fingerprint_;
};

// Hex rendering of a fingerprint, for messages.
std::string fingerprint_hex(const container::Fingerprint& fp);

}  // namespace llmz::codec
