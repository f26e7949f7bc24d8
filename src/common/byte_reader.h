// ByteReader: bounded little-endian reads from a byte span.
//
// Contract: every read checks the remaining length first and fails with Status::truncated instead
// of reading past the end; the position does not move on failure. Values are decoded byte by byte
// (explicit little-endian), never by casting structs, so the result is the same on any host.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>

#include "common/status.h"

namespace llmz {

inline std::uint16_t load_le16(const std::uint8_t* p) noexcept {
  return static_cast<std::uint16_t>(p[0] | (p[1] << 8));
}
inline std::uint32_t load_le32(const std::uint8_t* p) noexcept {
  return static_cast<std::uint32_t>(p[0]) | (static_cast<std::uint32_t>(p[1]) << 8) |
         (static_cast<std::uint32_t>(p[2]) << 16) | (static_cast<std::uint32_t>(p[3]) << 24);
}
inline std::uint64_t load_le64(const std::uint8_t* p) noexcept {
  return static_cast<std::uint64_t>(load_le32(p)) | (static_cast<std::uint64_t>(load_le32(p + 4)) << 32);
}
inline void store_le16(std::uint8_t* p, std::uint16_t v) noexcept {
  p[0] = static_cast<std::uint8_t>(v);
  p[1] = static_cast<std::uint8_t>(v >> 8);
}
inline void store_le32(std::uint8_t* p, std::uint32_t v) noexcept {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<std::uint8_t>(v >> (8 * i));
}
inline void store_le64(std::uint8_t* p, std::uint64_t v) noexcept {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<std::uint8_t>(v >> (8 * i));
}

class ByteReader {
 public:
  explicit ByteReader(std::span<const std::uint8_t> bytes) noexcept : bytes_(bytes) {}

  std::size_t position() const noexcept { return pos_; }
  std::size_t remaining() const noexcept { return bytes_.size() - pos_; }
  std::size_t size() const noexcept { return bytes_.size(); }

  Status u8(std::uint8_t& out) noexcept { return fixed(1, [&](const std::uint8_t* p) { out = p[0]; }); }
  Status u16(std::uint16_t& out) noexcept { return fixed(2, [&](const std::uint8_t* p) { out = load_le16(p); }); }
  Status u32(std::uint32_t& out) noexcept { return fixed(4, [&](const std::uint8_t* p) { out = load_le32(p); }); }
  Status u64(std::uint64_t& out) noexcept { return fixed(8, [&](const std::uint8_t* p) { out = load_le64(p); }); }
  Status f32(float& out) noexcept {
    std::uint32_t bits = 0;
    const Status s = u32(bits);
    if (s == Status::ok) std::memcpy(&out, &bits, 4);
    return s;
  }
  Status f64(double& out) noexcept {
    std::uint64_t bits = 0;
    const Status s = u64(bits);
    if (s == Status::ok) std::memcpy(&out, &bits, 8);
    return s;
  }
  // A view of the next n bytes (no copy).
  Status bytes(std::size_t n, std::span<const std::uint8_t>& out) noexcept {
    if (n > remaining()) return Status::truncated;
    out = bytes_.subspan(pos_, n);
    pos_ += n;
    return Status::ok;
  }
  Status skip(std::size_t n) noexcept {
    if (n > remaining()) return Status::truncated;
    pos_ += n;
    return Status::ok;
  }

 private:
  template <typename F>
  Status fixed(std::size_t n, F&& decode) noexcept {
    if (n > remaining()) return Status::truncated;
    decode(bytes_.data() + pos_);
    pos_ += n;
    return Status::ok;
  }

  std::span<const std::uint8_t> bytes_;
  std::size_t pos_ = 0;
};

}  // namespace llmz
