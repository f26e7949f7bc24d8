// The .llmz container's fields (docs/FORMAT.md): what the writer emits, what the reader accepts
// and refuses, for versions 1 and 2, without a model.
#include <gtest/gtest.h>

#include <vector>

#include "common/byte_reader.h"
#include "container/format.h"

namespace llmz {
namespace {

using container::Cursor;
using container::FrameHeader;
using container::Header;
using container::Method;

Header sample_header() {
  Header h;
  h.cdf_bits = 24;
  h.frame_size = 8192;
  h.block_size = 1u << 20;
  for (std::size_t i = 0; i < h.model.size(); ++i) h.model[i] = static_cast<std::uint8_t>(i + 1);
  return h;
}

// Recomputes a v2 header's check after a field was edited (the check covers all bytes before it).
void reseal_v2(std::vector<std::uint8_t>& bytes) {
  const std::size_t n = bytes.size() - 4;
  store_le32(bytes.data() + n, container::checksum32(std::span<const std::uint8_t>(bytes.data(), n)));
}

TEST(Format, HeaderRoundTripsWithTheDefaultSizesIn25Bytes) {
  std::vector<std::uint8_t> out;
  container::write_header(out, sample_header());
  EXPECT_EQ(out.size(), 25u);
  Cursor in(out);
  auto h = container::read_header(in, 49152);
  ASSERT_TRUE(h.ok()) << h.error().message();
  EXPECT_EQ(h.value().version, 2);
  EXPECT_EQ(h.value().frame_size, 8192u);
  EXPECT_EQ(h.value().block_size, 1u << 20);
  EXPECT_EQ(container::fingerprint_size(h.value()), 8u);
  EXPECT_TRUE(container::fingerprint_matches(h.value(), sample_header().model));
  auto other = sample_header().model;
  other[3] ^= 1;
  EXPECT_FALSE(container::fingerprint_matches(h.value(), other));
  other = sample_header().model;
  other[12] ^= 1;  // beyond the 8 bytes a v2 header carries
  EXPECT_TRUE(container::fingerprint_matches(h.value(), other));
  EXPECT_EQ(in.remaining(), 0u);
}

TEST(Format, EveryPrefixOfAHeaderIsTruncated) {
  std::vector<std::uint8_t> out;
  container::write_header(out, sample_header());
  for (std::size_t n = 0; n < out.size(); ++n) {
    Cursor in(std::span<const std::uint8_t>(out.data(), n));
    auto h = container::read_header(in, 49152);
    ASSERT_FALSE(h.ok());
    EXPECT_EQ(h.status(), Status::truncated) << n;
  }
}

TEST(Format, HeaderFieldsOutOfRangeAreRefused) {
  struct Case {
    const char* what;
    std::size_t offset;
    std::uint8_t value;
    Status expected;
  };
  // Offsets in a default v2 header: 4 version, 5 flags, 6 cdf_bits, 7 context policy.
  const Case cases[] = {{"version 3", 4, 3, Status::unsupported_version},
                        {"version 0", 4, 0, Status::unsupported_version},
                        {"flags", 5, 1, Status::corrupt_data},
                        {"cdf_bits 16", 6, 16, Status::corrupt_data},
                        {"cdf_bits 32", 6, 32, Status::corrupt_data},
                        {"context policy", 7, 1, Status::corrupt_data}};
  for (const Case& c : cases) {
    std::vector<std::uint8_t> out;
    container::write_header(out, sample_header());
    out[c.offset] = c.value;
    reseal_v2(out);
    Cursor in(out);
    EXPECT_EQ(container::read_header(in, 49152).status(), c.expected) << c.what;
  }
  // Sizes: a frame size of 0 or over 2^26, a block size below the frame size.
  for (auto [frame, block] : {std::pair<std::uint32_t, std::uint32_t>{0, 4096}, {(1u << 26) + 1, (1u << 26) + 1}, {8192, 4096}}) {
    Header h = sample_header();
    h.frame_size = frame;
    h.block_size = block;
    std::vector<std::uint8_t> out;
    container::write_header(out, h);
    Cursor in(out);
    EXPECT_EQ(container::read_header(in, 49152).status(), Status::corrupt_data) << frame << " " << block;
  }
  // Any other change is caught by the header check before the field is used.
  std::vector<std::uint8_t> out;
  container::write_header(out, sample_header());
  for (std::size_t i = 4; i < out.size(); ++i) {
    auto bad = out;
    bad[i] ^= 0x40;
    Cursor in(bad);
    EXPECT_FALSE(container::read_header(in, 49152).ok()) << i;
  }
  const std::vector<std::uint8_t> not_llmz{'P', 'K', 3, 4, 0, 0};
  Cursor in(not_llmz);
  EXPECT_EQ(container::read_header(in, 49152).status(), Status::bad_magic);
}

TEST(Format, Version1HeadersAreStillRead) {
  std::vector<std::uint8_t> v1{0x89, 'L', 'M', 'Z', 1, 0, 24, 0};
  std::uint8_t size[4];
  store_le32(size, 1024);
  v1.insert(v1.end(), size, size + 4);
  for (int i = 0; i < 16; ++i) v1.push_back(static_cast<std::uint8_t>(0xA0 + i));
  store_le32(size, container::checksum32(std::span<const std::uint8_t>(v1.data(), 28)));
  v1.insert(v1.end(), size, size + 4);
  Cursor in(v1);
  auto h = container::read_header(in, 49152);
  ASSERT_TRUE(h.ok()) << h.error().message();
  EXPECT_EQ(h.value().version, 1);
  EXPECT_EQ(h.value().frame_size, 1024u);
  EXPECT_EQ(h.value().block_size, 1024u);
  EXPECT_EQ(container::fingerprint_size(h.value()), 16u);
  EXPECT_EQ(h.value().model[15], 0xAF);
  v1[20] ^= 1;
  Cursor damaged(v1);
  EXPECT_EQ(container::read_header(damaged, 49152).status(), Status::checksum_mismatch);
}

std::vector<std::uint8_t> frame_bytes(const FrameHeader& f, std::size_t payload) {
  std::vector<std::uint8_t> out;
  container::write_frame_header(out, f);
  out.resize(out.size() + payload, 0x5A);
  return out;
}

TEST(Format, FrameHeadersFollowTheirMethodsRules) {
  const Header h = sample_header();
  FrameHeader stored{Method::stored, 100, 100, 0, 0x12345678};
  auto bytes = frame_bytes(stored, 100);
  EXPECT_EQ(bytes.size(), 1 + 1 + 4 + 100u);  // no payload size for a stored frame
  Cursor in(bytes);
  FrameHeader got;
  ASSERT_FALSE(container::read_frame_header(in, h, got));
  EXPECT_EQ(got.method, Method::stored);
  EXPECT_EQ(got.payload_size, 100u);
  EXPECT_EQ(got.check, 0x12345678u);

  struct Case {
    FrameHeader frame;
    std::size_t payload;
    Status expected;
  };
  const Case cases[] = {
      {{Method::model, 100, 30, 40, 1}, 30, Status::ok},
      {{Method::model, 100, 0, 1, 1}, 0, Status::ok},           // the shortest flush may be empty
      {{Method::model, 100, 100, 40, 1}, 100, Status::corrupt_data},  // must be smaller
      {{Method::model, 100, 30, 0, 1}, 30, Status::corrupt_data},     // no tokens
      {{Method::model, 100, 30, 201, 1}, 30, Status::corrupt_data},   // > 2 per byte
      {{Method::model, 8193, 30, 40, 1}, 30, Status::corrupt_data},   // over the frame size
      {{Method::classic, 9000, 50, 0, 1}, 50, Status::ok},            // blocks may pass the frame size
      {{Method::classic, (1u << 20) + 1, 50, 0, 1}, 50, Status::corrupt_data},
      {{Method::classic, 100, 0, 0, 1}, 0, Status::corrupt_data},
      {{Method::classic, 100, 100, 0, 1}, 100, Status::corrupt_data},
      {{Method::stored, 0, 0, 0, 1}, 0, Status::corrupt_data},
      {{Method::model, 100, 30, 40, 1}, 29, Status::truncated},      // payload cut short
  };
  for (const Case& c : cases) {
    auto b = frame_bytes(c.frame, c.payload);
    Cursor cur(b);
    FrameHeader f;
    EXPECT_EQ(container::read_frame_header(cur, h, f).status, c.expected)
        << static_cast<int>(c.frame.method) << " " << c.frame.original_size << " " << c.frame.payload_size;
  }
  for (std::uint8_t method : {std::uint8_t{4}, std::uint8_t{0x12}}) {
    const std::vector<std::uint8_t> b{method, 5, 0, 0, 0, 0};
    Cursor cur(b);
    FrameHeader f;
    EXPECT_EQ(container::read_frame_header(cur, h, f).status, Status::corrupt_data);
  }
}

TEST(Format, EndFrameAndVarints) {
  std::vector<std::uint8_t> out;
  container::write_end(out, {300, 0x0102030405060708ull});
  EXPECT_EQ(out.size(), 1 + 2 + 8u);
  Cursor in(out);
  FrameHeader f;
  ASSERT_FALSE(container::read_frame_header(in, sample_header(), f));
  EXPECT_EQ(f.method, Method::end);
  container::EndFrame e;
  ASSERT_FALSE(container::read_end(in, e));
  EXPECT_EQ(e.total_size, 300u);
  EXPECT_EQ(e.check, 0x0102030405060708ull);
  for (std::size_t n = 1; n < out.size(); ++n) {
    Cursor cut(std::span<const std::uint8_t>(out.data(), n));
    FrameHeader g;
    ASSERT_FALSE(container::read_frame_header(cut, sample_header(), g));
    EXPECT_EQ(container::read_end(cut, e).status, Status::truncated) << n;
  }
  // Varints: the shortest form only, at most 64 bits.
  const std::vector<std::vector<std::uint8_t>> bad{{0x80, 0x00}, {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x02}};
  for (const auto& b : bad) {
    Cursor c(b);
    std::uint64_t v = 0;
    EXPECT_EQ(c.varint(v), Status::corrupt_data);
  }
  for (std::uint64_t v : {0ull, 127ull, 128ull, 1ull << 35, ~0ull}) {
    std::vector<std::uint8_t> b;
    container::write_varint(b, v);
    Cursor c(b);
    std::uint64_t back = 1;
    EXPECT_EQ(c.varint(back), Status::ok);
    EXPECT_EQ(back, v);
  }
}

TEST(Format, StreamedChecksumEqualsTheOneShot) {
  std::vector<std::uint8_t> data(100000);
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<std::uint8_t>(i * 7 + (i >> 9));
  container::Checksum64 c;
  for (std::size_t i = 0; i < data.size(); i += 777) c.update(std::span<const std::uint8_t>(data).subspan(i, std::min<std::size_t>(777, data.size() - i)));
  EXPECT_EQ(c.digest(), container::checksum64(data));
}

}  // namespace
}  // namespace llmz
