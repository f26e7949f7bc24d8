// Compressor: bytes <-> .llmz container (docs/FORMAT.md) with a model, a tokenizer and an engine.
//
// Contract:
//  - Compression splits the input into frames: text is cut into frames of at most frame_size
//    bytes (ending at a newline, space or character boundary near the limit when there is one)
//    and coded with the model; runs of data that do not look like text are gathered into frames
//    of at most block_size bytes and coded with LZMA2; any frame that would not shrink is stored
//    (docs/FORMAT.md "Choosing the method"). The output is a pure function of (input, options,
//    model, liblzma version): identical for any thread count, kernel set, or way the input is
//    split into write() calls. Frame decisions look at most block_size + 1 bytes ahead, so
//    StreamCompressor holds at most about that much input.
//  - Decompression checks everything (header, fingerprint, frame rules, every frame's and the
//    whole content's checksum). StreamDecompressor hands out each group of frames as soon as
//    it is decoded and checked; the whole-content check comes with the end frame, so a caller
//    writing a file must discard it on any error. Compressor::decompress returns all or nothing.
//    Model frames are decoded in lock-step batches of up to `batch` frames.
//  - Files of format versions 1 and 2 are read; version 2 is written.
//  - Errors: wrong_model (the detail names the fingerprint the file needs), bad_magic,
//    unsupported_version, truncated, corrupt_data, checksum_mismatch, invalid_argument.
//    After an error a stream object only repeats it.
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/result.h"
#include "container/format.h"
#include "model/engine.h"
#include "tokenizer/tokenizer.h"

namespace llmz::codec {

// Called as work advances with the input bytes consumed so far (for decompression: compressed
// bytes) and the input's total when known (0 when streaming). May be empty.
using Progress = std::function<void(std::uint64_t done, std::uint64_t total)>;

struct CompressOptions {
  std::uint32_t frame_size = 8192;     // largest model-coded frame
  std::uint32_t block_size = 1u << 20; // largest stored or LZMA2 frame; >= frame_size
  std::uint32_t max_frame_tokens = 0;  // most tokens per model frame; 0: the model's context
  Progress progress;

  // The defaults with model frames of frame_size bytes (the block grows with it when larger).
  static CompressOptions with_frame_size(std::uint32_t frame_size) {
    CompressOptions o;
    o.frame_size = frame_size;
    o.block_size = std::max(o.block_size, frame_size);
    return o;
  }
};

// What a file holds, read from its structure alone (no decoding): for `llmz -l`.
struct FileInfo {
  container::Header header;
  std::uint64_t original_size = 0;
  std::uint64_t compressed_size = 0;
  std::uint64_t model_frames = 0;
  std::uint64_t stored_frames = 0;
  std::uint64_t classic_frames = 0;
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
  const Tokenizer& tokenizer() const noexcept { return tokenizer_; }

 private:
  Compressor(const Tokenizer& tokenizer, std::unique_ptr<Engine> engine, container::Fingerprint fp)
      : tokenizer_(tokenizer), engine_(std::move(engine)), fingerprint_(fp) {}

  const Tokenizer& tokenizer_;
  std::unique_ptr<Engine> engine_;
  container::Fingerprint fingerprint_;
};

// Compression of input that arrives in pieces. write() appends to `out` whatever frames are
// complete; finish() codes the rest and the end frame. The Compressor must outlive it.
class StreamCompressor {
 public:
  static Result<std::unique_ptr<StreamCompressor>> create(Compressor& compressor, const CompressOptions& options);
  Error write(std::span<const std::uint8_t> input, std::vector<std::uint8_t>& out);
  Error finish(std::vector<std::uint8_t>& out);

 private:
  StreamCompressor(Compressor& c, const CompressOptions& o) : compressor_(c), options_(o) {}
  Error code_ready_frames(bool at_eof, std::vector<std::uint8_t>& out);
  Error code_frame(std::span<const std::uint8_t> frame, bool text, std::vector<std::uint8_t>& out);

  Compressor& compressor_;
  CompressOptions options_;
  std::vector<std::uint8_t> pending_;  // input not yet coded, from pending_head_ on
  std::size_t pending_head_ = 0;
  std::uint64_t consumed_ = 0;
  bool header_written_ = false;
  bool finished_ = false;
  Error failed_;
  container::Checksum64 content_check_;
  std::vector<std::int32_t> tokens_;  // reused per frame
};

// Decompression of a file that arrives in pieces. write() appends to `out` the original bytes of
// every group of frames decoded so far; finish() fails with `truncated` unless the end frame
// was seen. The Compressor must outlive it.
class StreamDecompressor {
 public:
  StreamDecompressor(Compressor& compressor, int batch, Progress progress = {})
      : compressor_(compressor), batch_(batch < 1 ? 1 : static_cast<std::size_t>(batch)), progress_(std::move(progress)) {}
  Error write(std::span<const std::uint8_t> input, std::vector<std::uint8_t>& out);
  Error finish(std::vector<std::uint8_t>& out);
  bool ended() const noexcept { return ended_; }

 private:
  struct Queued {
    container::FrameHeader header;
    std::vector<std::uint8_t> payload;
  };
  Error parse(std::vector<std::uint8_t>& out);
  Error decode_queue(std::vector<std::uint8_t>& out);
  Error fail(Error e) {
    failed_ = e;
    return e;
  }

  Compressor& compressor_;
  std::size_t batch_;
  Progress progress_;
  std::vector<std::uint8_t> pending_;
  std::size_t pending_head_ = 0;
  std::uint64_t consumed_ = 0;
  std::optional<container::Header> header_;
  std::vector<Queued> queue_;
  std::size_t queued_model_ = 0;
  std::uint64_t queued_bytes_ = 0;
  std::uint64_t frames_done_ = 0;
  std::uint64_t total_ = 0;
  bool ended_ = false;
  Error failed_;
  container::Checksum64 content_check_;
};

// Hex rendering of a fingerprint, for messages (`bytes` of it: 16, or 8 for a v2 header's).
std::string fingerprint_hex(const container::Fingerprint& fp, std::size_t bytes = 16);

}  // namespace llmz::codec
