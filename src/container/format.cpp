#include "container/format.h"

#include <xxhash.h>

#include <cstring>
#include <string>

#include "common/byte_reader.h"

namespace llmz::container {

Status Cursor::take(std::size_t n, std::span<const std::uint8_t>& out) noexcept {
  if (n > remaining()) return Status::truncated;
  out = bytes_.subspan(pos_, n);
  pos_ += n;
  return Status::ok;
}

Status Cursor::byte(std::uint8_t& out) noexcept {
  if (remaining() == 0) return Status::truncated;
  out = bytes_[pos_++];
  return Status::ok;
}

Status Cursor::varint(std::uint64_t& out) noexcept {
  std::uint64_t v = 0;
  for (int i = 0; i < 10; ++i) {
    std::uint8_t b = 0;
    if (byte(b) != Status::ok) return Status::truncated;
    if (i == 9 && b > 1) return Status::corrupt_data;             // beyond 64 bits
    v |= static_cast<std::uint64_t>(b & 0x7F) << (7 * i);
    if ((b & 0x80) == 0) {
      if (b == 0 && i > 0) return Status::corrupt_data;           // not the shortest form
      out = v;
      return Status::ok;
    }
  }
  return Status::corrupt_data;
}

void write_varint(std::vector<std::uint8_t>& out, std::uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<std::uint8_t>(v | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<std::uint8_t>(v));
}

std::uint64_t checksum64(std::span<const std::uint8_t> bytes) noexcept { return XXH64(bytes.data(), bytes.size(), 0); }

void write_header(std::vector<std::uint8_t>& out, const Header& h) {
  const std::size_t start = out.size();
  out.insert(out.end(), std::begin(kMagic), std::end(kMagic));
  out.push_back(kVersion);
  out.push_back(0);  // flags
  out.push_back(static_cast<std::uint8_t>(h.cdf_bits));
  out.push_back(h.context_policy);
  std::uint8_t size[4];
  store_le32(size, h.frame_size);
  out.insert(out.end(), size, size + 4);
  out.insert(out.end(), h.model.begin(), h.model.end());
  std::uint8_t check[4];
  store_le32(check, checksum32(std::span<const std::uint8_t>(out.data() + start, 28)));
  out.insert(out.end(), check, check + 4);
}

void write_frame_header(std::vector<std::uint8_t>& out, const FrameHeader& f) {
  out.push_back(static_cast<std::uint8_t>(f.method));
  out.push_back(0);  // flags
  write_varint(out, f.original_size);
  write_varint(out, f.payload_size);
  if (f.method == Method::model) write_varint(out, f.token_count);
  std::uint8_t check[4];
  store_le32(check, f.check);
  out.insert(out.end(), check, check + 4);
}

void write_end(std::vector<std::uint8_t>& out, const EndFrame& e) {
  out.push_back(static_cast<std::uint8_t>(Method::end));
  out.push_back(0);
  write_varint(out, e.total_size);
  std::uint8_t check[8];
  store_le64(check, e.check);
  out.insert(out.end(), check, check + 8);
}

Result<Header> read_header(Cursor& in, int vocab) {
  std::span<const std::uint8_t> b;
  if (in.remaining() < 4) return Error(Status::truncated, "file ends inside the header");
  (void)in.take(4, b);
  if (std::memcmp(b.data(), kMagic, 4) != 0) return Error(Status::bad_magic, "not an .llmz file");
  const std::uint8_t* magic_start = b.data();
  if (in.take(kHeaderSize - 4, b) != Status::ok) return Error(Status::truncated, "file ends inside the header");
  if (b[0] != kVersion)
    return Error(Status::unsupported_version, "format version " + std::to_string(b[0]) + " (this llmz reads version 1)");
  if (load_le32(b.data() + 24) != checksum32(std::span<const std::uint8_t>(magic_start, 28)))
    return Error(Status::checksum_mismatch, "the header is damaged");
  if (b[1] != 0) return Error(Status::corrupt_data, "reserved header flags are set");
  Header h;
  h.cdf_bits = b[2];
  if (h.cdf_bits < 17 || h.cdf_bits > 31 || (std::uint64_t{1} << h.cdf_bits) < 2 * static_cast<std::uint64_t>(vocab))
    return Error(Status::corrupt_data, "cdf_bits " + std::to_string(h.cdf_bits) + " is invalid");
  h.context_policy = b[3];
  if (h.context_policy != 0) return Error(Status::corrupt_data, "unknown context policy " + std::to_string(h.context_policy));
  h.frame_size = load_le32(b.data() + 4);
  if (h.frame_size == 0 || h.frame_size > kMaxFrameSize) return Error(Status::corrupt_data, "frame size out of range");
  std::memcpy(h.model.data(), b.data() + 8, 16);
  return h;
}

Error read_frame_header(Cursor& in, const Header& h, FrameHeader& f) {
  std::uint8_t method = 0, flags = 0;
  if (in.byte(method) != Status::ok || in.byte(flags) != Status::ok)
    return Error(Status::truncated, "file ends before its end frame");
  if (method > static_cast<std::uint8_t>(Method::model)) return Error(Status::corrupt_data, "unknown frame method " + std::to_string(method));
  if (flags != 0) return Error(Status::corrupt_data, "reserved frame flags are set");
  f.method = static_cast<Method>(method);
  if (f.method == Method::end) return Error();
  auto field = [&](std::uint64_t& v) {
    const Status s = in.varint(v);
    return s == Status::ok ? Error() : Error(s, s == Status::truncated ? "file ends inside a frame header" : "bad number in a frame header");
  };
  if (Error e = field(f.original_size)) return e;
  if (Error e = field(f.payload_size)) return e;
  if (f.original_size == 0 || f.original_size > h.frame_size) return Error(Status::corrupt_data, "frame size out of range");
  f.token_count = 0;
  if (f.method == Method::stored) {
    if (f.payload_size != f.original_size) return Error(Status::corrupt_data, "stored frame sizes disagree");
  } else {
    if (Error e = field(f.token_count)) return e;
    if (f.payload_size < 8 || f.payload_size >= f.original_size) return Error(Status::corrupt_data, "model frame payload size out of range");
    if (f.token_count == 0 || f.token_count > 2 * f.original_size) return Error(Status::corrupt_data, "token count out of range");
  }
  std::span<const std::uint8_t> check;
  if (in.take(4, check) != Status::ok) return Error(Status::truncated, "file ends inside a frame header");
  f.check = load_le32(check.data());
  if (f.payload_size > in.remaining()) return Error(Status::truncated, "file ends inside a frame");
  return Error();
}

Error read_end(Cursor& in, EndFrame& e) {
  if (in.varint(e.total_size) != Status::ok) return Error(Status::truncated, "file ends inside the end frame");
  std::span<const std::uint8_t> check;
  if (in.take(8, check) != Status::ok) return Error(Status::truncated, "file ends inside the end frame");
  e.check = load_le64(check.data());
  if (in.remaining() != 0) return Error(Status::corrupt_data, "data after the end frame");
  return Error();
}

}  // namespace llmz::container
