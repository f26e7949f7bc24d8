#include "container/format.h"

#include <xxhash.h>

#include <cstring>
#include <new>
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

Checksum64::Checksum64() : state_(XXH64_createState()) {
  if (state_ == nullptr) throw std::bad_alloc();
  XXH64_reset(static_cast<XXH64_state_t*>(state_), 0);
}
Checksum64::~Checksum64() { XXH64_freeState(static_cast<XXH64_state_t*>(state_)); }
void Checksum64::update(std::span<const std::uint8_t> bytes) noexcept {
  XXH64_update(static_cast<XXH64_state_t*>(state_), bytes.data(), bytes.size());
}
std::uint64_t Checksum64::digest() const noexcept { return XXH64_digest(static_cast<const XXH64_state_t*>(state_)); }

bool fingerprint_matches(const Header& h, const Fingerprint& fp) noexcept {
  return std::memcmp(h.model.data(), fp.data(), fingerprint_size(h)) == 0;
}

std::size_t fingerprint_size(const Header& h) noexcept { return h.version == 1 ? 16 : 8; }

void write_header(std::vector<std::uint8_t>& out, const Header& h) {
  const std::size_t start = out.size();
  out.insert(out.end(), std::begin(kMagic), std::end(kMagic));
  out.push_back(kVersion);
  out.push_back(0);  // flags
  out.push_back(static_cast<std::uint8_t>(h.cdf_bits));
  out.push_back(h.context_policy);
  write_varint(out, h.frame_size);
  write_varint(out, h.block_size);
  out.insert(out.end(), h.model.begin(), h.model.begin() + 8);
  std::uint8_t check[4];
  store_le32(check, checksum32(std::span<const std::uint8_t>(out.data() + start, out.size() - start)));
  out.insert(out.end(), check, check + 4);
}

void write_frame_header(std::vector<std::uint8_t>& out, const FrameHeader& f) {
  out.push_back(static_cast<std::uint8_t>(f.method));  // the high 4 bits are reserved
  write_varint(out, f.original_size);
  if (f.method != Method::stored) write_varint(out, f.payload_size);
  if (f.method == Method::model) write_varint(out, f.token_count);
  std::uint8_t check[4];
  store_le32(check, f.check);
  out.insert(out.end(), check, check + 4);
}

void write_end(std::vector<std::uint8_t>& out, const EndFrame& e) {
  out.push_back(static_cast<std::uint8_t>(Method::end));
  write_varint(out, e.total_size);
  std::uint8_t check[8];
  store_le64(check, e.check);
  out.insert(out.end(), check, check + 8);
}

namespace {

Error truncated_header() { return Error(Status::truncated, "file ends inside the header"); }

Status check_cdf_bits(int bits, int vocab) {
  return bits < 17 || bits > 31 || (std::uint64_t{1} << bits) < 2 * static_cast<std::uint64_t>(vocab) ? Status::corrupt_data
                                                                                                          : Status::ok;
}

// Version 1: a fixed 32-byte header; `start` is its first byte, the cursor is past the version.
Result<Header> read_header_v1(Cursor& in, const std::uint8_t* start, int vocab) {
  std::span<const std::uint8_t> b;  // from the flags byte (offset 5) on
  if (in.take(27, b) != Status::ok) return truncated_header();
  if (load_le32(b.data() + 23) != checksum32(std::span<const std::uint8_t>(start, 28)))
    return Error(Status::checksum_mismatch, "the header is damaged");
  if (b[0] != 0) return Error(Status::corrupt_data, "reserved header flags are set");
  Header h;
  h.version = 1;
  h.cdf_bits = b[1];
  if (check_cdf_bits(h.cdf_bits, vocab) != Status::ok)
    return Error(Status::corrupt_data, "cdf_bits " + std::to_string(h.cdf_bits) + " is invalid");
  h.context_policy = b[2];
  if (h.context_policy != 0) return Error(Status::corrupt_data, "unknown context policy " + std::to_string(h.context_policy));
  h.frame_size = load_le32(b.data() + 3);
  if (h.frame_size == 0 || h.frame_size > kMaxFrameSize) return Error(Status::corrupt_data, "frame size out of range");
  h.block_size = h.frame_size;
  std::memcpy(h.model.data(), b.data() + 7, 16);
  return h;
}

// Version 2: varint frame and block sizes, an 8-byte fingerprint; the check covers every byte
// before it, so it is verified before any field is trusted.
Result<Header> read_header_v2(Cursor& in, const std::uint8_t* start, int vocab) {
  std::span<const std::uint8_t> fixed, fp, check;
  std::uint64_t frame_size = 0, block_size = 0;
  if (in.take(3, fixed) != Status::ok) return truncated_header();
  for (std::uint64_t* v : {&frame_size, &block_size}) {
    const Status s = in.varint(*v);
    if (s == Status::truncated) return truncated_header();
    if (s != Status::ok) return Error(Status::corrupt_data, "bad number in the header");
  }
  if (in.take(8, fp) != Status::ok) return truncated_header();
  const std::size_t checked = static_cast<std::size_t>(fp.data() + 8 - start);
  if (in.take(4, check) != Status::ok) return truncated_header();
  if (load_le32(check.data()) != checksum32(std::span<const std::uint8_t>(start, checked)))
    return Error(Status::checksum_mismatch, "the header is damaged");
  if (fixed[0] != 0) return Error(Status::corrupt_data, "reserved header flags are set");
  Header h;
  h.version = 2;
  h.cdf_bits = fixed[1];
  if (check_cdf_bits(h.cdf_bits, vocab) != Status::ok)
    return Error(Status::corrupt_data, "cdf_bits " + std::to_string(h.cdf_bits) + " is invalid");
  h.context_policy = fixed[2];
  if (h.context_policy != 0) return Error(Status::corrupt_data, "unknown context policy " + std::to_string(h.context_policy));
  if (frame_size == 0 || frame_size > kMaxFrameSize) return Error(Status::corrupt_data, "frame size out of range");
  if (block_size < frame_size || block_size > kMaxFrameSize) return Error(Status::corrupt_data, "block size out of range");
  h.frame_size = static_cast<std::uint32_t>(frame_size);
  h.block_size = static_cast<std::uint32_t>(block_size);
  std::memcpy(h.model.data(), fp.data(), 8);
  return h;
}

}  // namespace

Result<Header> read_header(Cursor& in, int vocab) {
  std::span<const std::uint8_t> b;
  if (in.take(4, b) != Status::ok) return truncated_header();
  if (std::memcmp(b.data(), kMagic, 4) != 0) return Error(Status::bad_magic, "not an .llmz file");
  const std::uint8_t* start = b.data();
  std::uint8_t version = 0;
  if (in.byte(version) != Status::ok) return truncated_header();
  if (version == 1) return read_header_v1(in, start, vocab);
  if (version == 2) return read_header_v2(in, start, vocab);
  return Error(Status::unsupported_version, "format version " + std::to_string(version) + " (this llmz reads versions 1 and 2)");
}

Error read_frame_header(Cursor& in, const Header& h, FrameHeader& f) {
  const Error truncated(Status::truncated, "file ends inside a frame header");
  std::uint8_t method = 0;
  if (in.byte(method) != Status::ok) return Error(Status::truncated, "file ends before its end frame");
  if (h.version == 1) {
    std::uint8_t flags = 0;
    if (in.byte(flags) != Status::ok) return truncated;
    if (method > static_cast<std::uint8_t>(Method::model)) return Error(Status::corrupt_data, "unknown frame method " + std::to_string(method));
    if (flags != 0) return Error(Status::corrupt_data, "reserved frame flags are set");
  } else {
    if (method > 0x0F) return Error(Status::corrupt_data, "reserved frame flags are set");
    if (method > static_cast<std::uint8_t>(Method::classic)) return Error(Status::corrupt_data, "unknown frame method " + std::to_string(method));
  }
  f.method = static_cast<Method>(method);
  if (f.method == Method::end) return Error();
  auto field = [&](std::uint64_t& v) {
    const Status s = in.varint(v);
    return s == Status::ok ? Error() : s == Status::truncated ? truncated : Error(s, "bad number in a frame header");
  };
  if (Error e = field(f.original_size)) return e;
  const std::uint64_t limit = f.method == Method::model ? h.frame_size : h.block_size;
  if (f.original_size == 0 || f.original_size > limit) return Error(Status::corrupt_data, "frame size out of range");
  f.payload_size = f.original_size;
  f.token_count = 0;
  if (h.version == 1 || f.method != Method::stored) {
    if (Error e = field(f.payload_size)) return e;
  }
  switch (f.method) {
    case Method::stored:
      if (f.payload_size != f.original_size) return Error(Status::corrupt_data, "stored frame sizes disagree");
      break;
    case Method::model:
      if (Error e = field(f.token_count)) return e;
      // v1 streams end with an 8-byte flush; v2's shortest flush may be empty.
      if (f.payload_size >= f.original_size || (h.version == 1 && f.payload_size < 8))
        return Error(Status::corrupt_data, "model frame payload size out of range");
      if (f.token_count == 0 || f.token_count > 2 * f.original_size) return Error(Status::corrupt_data, "token count out of range");
      break;
    case Method::classic:
      if (f.payload_size == 0 || f.payload_size >= f.original_size)
        return Error(Status::corrupt_data, "classic frame payload size out of range");
      break;
    case Method::end:
      break;
  }
  std::span<const std::uint8_t> check;
  if (in.take(4, check) != Status::ok) return truncated;
  f.check = load_le32(check.data());
  if (f.payload_size > in.remaining()) return Error(Status::truncated, "file ends inside a frame");
  return Error();
}

Error read_end(Cursor& in, EndFrame& e) {
  const Error truncated(Status::truncated, "file ends inside the end frame");
  if (in.remaining() < 1) return truncated;
  const Status s = in.varint(e.total_size);
  if (s != Status::ok) return s == Status::truncated ? truncated : Error(s, "bad number in the end frame");
  std::span<const std::uint8_t> check;
  if (in.take(8, check) != Status::ok) return truncated;
  e.check = load_le64(check.data());
  return Error();
}

}  // namespace llmz::container
