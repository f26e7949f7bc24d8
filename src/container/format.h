// The .llmz container: header, frame headers and end frame of docs/FORMAT.md, versions 1 and 2.
//
// Contract: write_* append the current version's (2) exact little-endian bytes to a vector;
// read_* parse either version from a Cursor over a span and check every field against the
// format's rules and limits before it is used (errors: bad_magic, unsupported_version,
// corrupt_data, truncated, checksum_mismatch). A `truncated` result always means "the bytes so
// far are a valid prefix": a streaming reader may wait for more input and retry from the same
// position. No model, tokenizer or coder knowledge here.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "common/result.h"

namespace llmz::container {

inline constexpr std::uint8_t kMagic[4] = {0x89, 0x4C, 0x4D, 0x5A};
inline constexpr std::uint8_t kVersion = 2;        // written
inline constexpr std::uint8_t kOldestVersion = 1;  // still read
inline constexpr std::uint32_t kMaxFrameSize = 1u << 26;
inline constexpr std::size_t kMaxHeaderSize = 4 + 4 + 10 + 10 + 16 + 4;

using Fingerprint = std::array<std::uint8_t, 16>;

struct Header {
  std::uint8_t version = kVersion;
  int cdf_bits = 24;
  std::uint8_t context_policy = 0;
  std::uint32_t frame_size = 8192;       // largest model-coded frame
  std::uint32_t block_size = 1u << 20;   // largest stored or classic frame (v1: frame_size)
  Fingerprint model{};                   // v2 files carry the first 8 bytes only (the rest 0)
};

// Whether a file made with fingerprint `h.model` may be decoded with a model whose full
// fingerprint is `fp` (v2 compares the 8 bytes it stores).
bool fingerprint_matches(const Header& h, const Fingerprint& fp) noexcept;
// The bytes of the fingerprint the header actually carries (16 for v1, 8 for v2).
std::size_t fingerprint_size(const Header& h) noexcept;

// Methods. classic (v2): a raw LZMA2 stream (docs/FORMAT.md).
enum class Method : std::uint8_t { end = 0, stored = 1, model = 2, classic = 3 };

struct FrameHeader {
  Method method = Method::stored;
  std::uint64_t original_size = 0;
  std::uint64_t payload_size = 0;
  std::uint64_t token_count = 0;  // model frames
  std::uint32_t check = 0;        // low 32 bits of XXH64 of the original bytes
};

struct EndFrame {
  std::uint64_t total_size = 0;
  std::uint64_t check = 0;  // XXH64 of all original bytes
};

// A cursor over input bytes that never reads past the end.
class Cursor {
 public:
  explicit Cursor(std::span<const std::uint8_t> bytes) : bytes_(bytes) {}
  std::size_t position() const noexcept { return pos_; }
  std::size_t remaining() const noexcept { return bytes_.size() - pos_; }
  Status take(std::size_t n, std::span<const std::uint8_t>& out) noexcept;
  Status byte(std::uint8_t& out) noexcept;
  Status varint(std::uint64_t& out) noexcept;  // corrupt_data for overlong or > 64-bit encodings

 private:
  std::span<const std::uint8_t> bytes_;
  std::size_t pos_ = 0;
};

void write_varint(std::vector<std::uint8_t>& out, std::uint64_t v);
void write_header(std::vector<std::uint8_t>& out, const Header& h);
void write_frame_header(std::vector<std::uint8_t>& out, const FrameHeader& f);
void write_end(std::vector<std::uint8_t>& out, const EndFrame& e);

// `vocab` bounds cdf_bits (2^K >= 2 * vocab).
Result<Header> read_header(Cursor& in, int vocab);
// Reads the next frame's header (its method may be `end`: then use read_end for the rest).
// Also checks that the frame's payload is present (truncated otherwise).
Error read_frame_header(Cursor& in, const Header& h, FrameHeader& out);
// The end frame's fields; the caller checks that nothing follows it.
Error read_end(Cursor& in, EndFrame& out);

std::uint64_t checksum64(std::span<const std::uint8_t> bytes) noexcept;
// checksum64 over bytes that arrive in pieces.
class Checksum64 {
 public:
  Checksum64();
  ~Checksum64();
  Checksum64(const Checksum64&) = delete;
  Checksum64& operator=(const Checksum64&) = delete;
  void update(std::span<const std::uint8_t> bytes) noexcept;
  std::uint64_t digest() const noexcept;

 private:
  void* state_;  // XXH64_state_t, kept out of this header
};
inline std::uint32_t checksum32(std::span<const std::uint8_t> bytes) noexcept {
  return static_cast<std::uint32_t>(checksum64(bytes));
}

}  // namespace llmz::container
