#include <gtest/gtest.h>

#include <array>

#include "common/byte_reader.h"

namespace llmz {
namespace {

TEST(ByteReader, ReadsLittleEndian) {
  const std::array<std::uint8_t, 15> b{0x01, 0x34, 0x12, 0x78, 0x56, 0x34, 0x12,
                                       0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01};
  ByteReader r(b);
  std::uint8_t a = 0;
  std::uint16_t c = 0;
  std::uint32_t d = 0;
  std::uint64_t e = 0;
  EXPECT_EQ(r.u8(a), Status::ok);
  EXPECT_EQ(r.u16(c), Status::ok);
  EXPECT_EQ(r.u32(d), Status::ok);
  EXPECT_EQ(r.u64(e), Status::ok);
  EXPECT_EQ(a, 0x01);
  EXPECT_EQ(c, 0x1234);
  EXPECT_EQ(d, 0x12345678u);
  EXPECT_EQ(e, 0x0102030405060708ull);
  EXPECT_EQ(r.remaining(), 0u);
}

TEST(ByteReader, TruncatedReadFailsWithoutMoving) {
  const std::array<std::uint8_t, 3> b{1, 2, 3};
  ByteReader r(b);
  std::uint32_t v = 0xdeadbeef;
  EXPECT_EQ(r.u32(v), Status::truncated);
  EXPECT_EQ(v, 0xdeadbeefu);
  EXPECT_EQ(r.position(), 0u);
  std::span<const std::uint8_t> view;
  EXPECT_EQ(r.bytes(4, view), Status::truncated);
  EXPECT_EQ(r.bytes(3, view), Status::ok);
  EXPECT_EQ(view.size(), 3u);
  EXPECT_EQ(r.skip(1), Status::truncated);
}

TEST(ByteReader, StoreLoadRoundTrip) {
  std::array<std::uint8_t, 8> b{};
  store_le64(b.data(), 0x1122334455667788ull);
  EXPECT_EQ(b[0], 0x88);
  EXPECT_EQ(load_le64(b.data()), 0x1122334455667788ull);
  store_le32(b.data(), 0xa1b2c3d4u);
  EXPECT_EQ(load_le32(b.data()), 0xa1b2c3d4u);
  store_le16(b.data(), 0xbeef);
  EXPECT_EQ(load_le16(b.data()), 0xbeef);
}

}  // namespace
}  // namespace llmz
