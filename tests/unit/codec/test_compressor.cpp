// Container round trips, determinism of the bytes, and files that must fail, on the real model.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <memory>
#include <random>

#include "codec/compressor.h"
#include "common/byte_reader.h"
#include "common/model_locator.h"
#include "kernels/dispatch.h"
#include "../../support/default_model.h"

namespace llmz {
namespace {

std::vector<std::uint8_t> corpus(const char* name) { return testing::corpus_bytes(name); }

std::vector<std::uint8_t> bytes_of(const std::string& s) { return std::vector<std::uint8_t>(s.begin(), s.end()); }

class CompressorTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const testing::DefaultModel& d = testing::default_model();
    ASSERT_TRUE(d.error.empty()) << d.error;
    model_ = d.model.get();
    tokenizer_ = d.tokenizer.get();
  }
  static std::unique_ptr<codec::Compressor> compressor(int threads = 0, const kern::KernelSet* kernels = nullptr) {
    EngineOptions o;
    o.threads = threads;
    o.kernels = kernels;
    auto c = codec::Compressor::create(*model_, *tokenizer_, o);
    EXPECT_TRUE(c.ok());
    return std::move(c).value();
  }
  static Model* model_;
  static Tokenizer* tokenizer_;
};
Model* CompressorTest::model_ = nullptr;
Tokenizer* CompressorTest::tokenizer_ = nullptr;

TEST_F(CompressorTest, RoundTripsTextBinaryAndEdgeCases) {
  auto c = compressor();
  std::vector<std::uint8_t> all256;
  for (int i = 0; i < 256; ++i) all256.push_back(static_cast<std::uint8_t>(i));
  std::vector<std::uint8_t> mixed = corpus("bitter_lesson.txt");
  const auto jpeg = corpus("fireworks.jpeg");
  mixed.insert(mixed.end(), jpeg.begin(), jpeg.begin() + 3000);
  const std::vector<std::vector<std::uint8_t>> inputs{
      {}, bytes_of("x"), bytes_of("Hello, world!"), all256, bytes_of("invalid \xff\xfe utf-8 \xc3"), mixed};
  for (const auto& in : inputs) {
    codec::CompressOptions o;
    o.frame_size = 1024;
    auto z = c->compress(in, o);
    ASSERT_TRUE(z.ok()) << z.error().message();
    auto back = c->decompress(z.value());
    ASSERT_TRUE(back.ok()) << back.error().message();
    EXPECT_EQ(back.value(), in);
  }
}

TEST_F(CompressorTest, TextShrinksAndBinaryBarelyGrows) {
  auto c = compressor();
  const auto text = corpus("bitter_lesson.txt");
  auto z = c->compress(text, {});
  ASSERT_TRUE(z.ok());
  EXPECT_LT(z.value().size() * 7, text.size());  // better than 7x
  const auto jpeg = corpus("fireworks.jpeg");
  auto zj = c->compress(jpeg, {});
  ASSERT_TRUE(zj.ok());
  // One stored frame: the header, one frame header and the end frame, about 45 bytes.
  EXPECT_LE(zj.value().size(), jpeg.size() + 48);
  auto back = c->decompress(zj.value());
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back.value(), jpeg);
}

TEST_F(CompressorTest, SameBytesForAnyThreadsAndKernels) {
  auto text = corpus("bitter_lesson.txt");
  text.resize(1400);  // the scalar kernels are slow: a third of the text is enough
  codec::CompressOptions o;
  o.frame_size = 700;
  auto reference = compressor(1)->compress(text, o);
  ASSERT_TRUE(reference.ok());
  EXPECT_EQ(compressor(2)->compress(text, o).value(), reference.value());
  auto scalar = compressor(2, kern::available_kernel_sets().front());
  EXPECT_EQ(scalar->compress(text, o).value(), reference.value());
  auto back = scalar->decompress(reference.value(), 3);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back.value(), text);
}

TEST_F(CompressorTest, EveryCorruptionAndTruncationIsDetected) {
  auto c = compressor();
  const auto in = bytes_of("Hello, world! This is llmz, a lossless compressor.");
  auto z = c->compress(in, {});
  ASSERT_TRUE(z.ok());
  const auto& good = z.value();
  for (std::size_t i = 0; i < good.size(); ++i) {
    for (std::uint8_t flip : {std::uint8_t{0x01}, std::uint8_t{0x80}}) {
      auto bad = good;
      bad[i] ^= flip;
      auto r = c->decompress(bad);
      EXPECT_FALSE(r.ok()) << "corruption at byte " << i << " went unnoticed";
    }
  }
  for (std::size_t n = 0; n < good.size(); ++n) {
    auto r = c->decompress(std::span<const std::uint8_t>(good.data(), n));
    EXPECT_FALSE(r.ok()) << "truncation to " << n << " bytes went unnoticed";
  }
  auto extra = good;
  extra.push_back(0);
  EXPECT_EQ(c->decompress(extra).status(), Status::corrupt_data);
}

TEST_F(CompressorTest, BinaryRunsUseLzma2AndMixedFilesRoundTrip) {
  auto c = compressor();
  // Text, then structured binary LZMA2 can shrink (a table of little-endian counters), then text.
  std::vector<std::uint8_t> in = corpus("bitter_lesson.txt");
  in.resize(400);
  for (std::uint32_t i = 0; i < 20000; ++i) {
    std::uint8_t le[4];
    store_le32(le, i * 2654435761u >> 20);
    in.insert(in.end(), le, le + 4);
    in.push_back(0);
  }
  const auto tail = corpus("bitter_lesson.txt");
  in.insert(in.end(), tail.begin(), tail.begin() + 400);
  codec::CompressOptions o;
  o.frame_size = 2048;
  o.block_size = 1u << 16;
  auto z = c->compress(in, o);
  ASSERT_TRUE(z.ok()) << z.error().message();
  auto info = codec::inspect_file(z.value());
  ASSERT_TRUE(info.ok());
  EXPECT_GE(info.value().model_frames, 2u);
  EXPECT_GE(info.value().classic_frames, 2u);  // 100 KB of binary in 64 KiB blocks
  EXPECT_LT(z.value().size(), in.size() / 2);
  auto back = c->decompress(z.value());
  ASSERT_TRUE(back.ok()) << back.error().message();
  EXPECT_EQ(back.value(), in);
  // A damaged LZMA2 payload is caught.
  for (std::size_t i = z.value().size() / 2; i < z.value().size() / 2 + 8; ++i) {
    auto bad = z.value();
    bad[i] ^= 0x20;
    EXPECT_FALSE(c->decompress(bad).ok()) << "a change at byte " << i << " went unnoticed";
  }
}

TEST_F(CompressorTest, ModelFramesStayWithinTheTokenLimit) {
  auto c = compressor();
  // Bytes without a token of their own cost two tokens each: this text is dense in tokens.
  std::string text;
  for (int i = 0; i < 60; ++i) text += "ab\x04\x06 ";
  text += std::string(reinterpret_cast<const char*>(corpus("bitter_lesson.txt").data()), 600);
  codec::CompressOptions o;
  o.frame_size = 4096;
  o.max_frame_tokens = 100;
  auto z = c->compress(bytes_of(text), o);
  ASSERT_TRUE(z.ok()) << z.error().message();
  auto info = codec::inspect_file(z.value());
  ASSERT_TRUE(info.ok());
  // About 430 tokens: at least 5 frames (the escape-heavy ones may end up LZMA2 or stored).
  const auto& i = info.value();
  EXPECT_GE(i.model_frames + i.classic_frames + i.stored_frames, 5u);
  EXPECT_GE(i.model_frames, 1u);
  EXPECT_LE(i.tokens, 100 * i.model_frames);
  auto back = c->decompress(z.value());
  ASSERT_TRUE(back.ok()) << back.error().message();
  EXPECT_EQ(back.value(), bytes_of(text));
}

TEST_F(CompressorTest, StreamingGivesTheSameBytesHoweverTheInputIsSplit) {
  auto c = compressor();
  std::vector<std::uint8_t> in = corpus("bitter_lesson.txt");
  const auto jpeg = corpus("fireworks.jpeg");
  in.insert(in.end(), jpeg.begin(), jpeg.begin() + 5000);
  const auto more = corpus("bitter_lesson.txt");
  in.insert(in.end(), more.begin(), more.begin() + 700);
  codec::CompressOptions o;
  o.frame_size = 600;
  o.block_size = 2000;
  auto whole = c->compress(in, o);
  ASSERT_TRUE(whole.ok());
  std::mt19937 rng(4);
  for (int round = 0; round < 3; ++round) {
    auto s = codec::StreamCompressor::create(*c, o);
    ASSERT_TRUE(s.ok());
    std::vector<std::uint8_t> out;
    std::size_t first_output_at = 0;
    for (std::size_t i = 0; i < in.size();) {
      const std::size_t n = std::min<std::size_t>(in.size() - i, round == 0 ? 1 : 1 + rng() % 3000);
      ASSERT_FALSE(s.value()->write(std::span<const std::uint8_t>(in).subspan(i, n), out));
      i += n;
      if (first_output_at == 0 && out.size() > 40) first_output_at = i;
    }
    EXPECT_GT(first_output_at, 0u);
    EXPECT_LT(first_output_at, in.size() / 2) << "frames must come out before the input ends";
    ASSERT_FALSE(s.value()->finish(out));
    EXPECT_EQ(out, whole.value()) << "round " << round;
  }
  // Decompression fed in pieces, down to single bytes.
  for (std::size_t piece : {std::size_t{1}, std::size_t{7}, std::size_t{1000}}) {
    codec::StreamDecompressor d(*c, 2);
    std::vector<std::uint8_t> out;
    std::size_t first_output_at = 0;
    for (std::size_t i = 0; i < whole.value().size(); i += piece) {
      const std::size_t n = std::min(piece, whole.value().size() - i);
      ASSERT_FALSE(d.write(std::span<const std::uint8_t>(whole.value()).subspan(i, n), out));
      if (first_output_at == 0 && !out.empty()) first_output_at = i + n;
    }
    EXPECT_LT(first_output_at, whole.value().size() / 2);
    ASSERT_FALSE(d.finish(out));
    EXPECT_EQ(out, in);
  }
  // Truncated and extended streams fail.
  codec::StreamDecompressor cut(*c, 4);
  std::vector<std::uint8_t> sink;
  ASSERT_FALSE(cut.write(std::span<const std::uint8_t>(whole.value()).first(whole.value().size() - 3), sink));
  EXPECT_EQ(cut.finish(sink).status, Status::truncated);
  codec::StreamDecompressor longer(*c, 4);
  auto extended = whole.value();
  extended.push_back(7);
  EXPECT_EQ(longer.write(extended, sink).status, Status::corrupt_data);
}

// Committed files that every later llmz must keep decompressing (default model). The v2 file is
// also what today's compressor writes; regenerate it only with a format version bump:
// LLMZ_WRITE_GOLDEN=1 test_codec. The v1 file stays as it was.
std::vector<std::uint8_t> read_golden(const std::string& name) {
  std::ifstream in(std::string(LLMZ_SOURCE_DIR) + "/tests/golden/" + name, std::ios::binary);
  EXPECT_TRUE(in.good()) << name;
  return std::vector<std::uint8_t>((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

TEST_F(CompressorTest, GoldenFilesStillDecompress) {
  const auto text = corpus("bitter_lesson.txt");
  auto c = compressor();
  codec::CompressOptions o;
  o.frame_size = 1024;
  if (std::getenv("LLMZ_WRITE_GOLDEN") != nullptr) {
    auto z = c->compress(text, o);
    ASSERT_TRUE(z.ok());
    std::ofstream(std::string(LLMZ_SOURCE_DIR) + "/tests/golden/v2/bitter_lesson.txt.llmz", std::ios::binary)
        .write(reinterpret_cast<const char*>(z.value().data()), static_cast<std::streamsize>(z.value().size()));
  }
  for (const char* name : {"v1/bitter_lesson.txt.llmz", "v2/bitter_lesson.txt.llmz"}) {
    auto back = c->decompress(read_golden(name));
    ASSERT_TRUE(back.ok()) << name << ": " << back.error().message();
    EXPECT_EQ(back.value(), text) << name;
  }
  EXPECT_EQ(c->compress(text, o).value(), read_golden("v2/bitter_lesson.txt.llmz"));
}

TEST_F(CompressorTest, WrongModelIsNamed) {
  auto c = compressor();
  auto z = c->compress(bytes_of("some text"), {});
  ASSERT_TRUE(z.ok());
  // Default header: magic, version, flags, cdf_bits, context, frame size 8192 (2 varint bytes),
  // block size 2^20 (3 bytes), then the 8-byte fingerprint at 13 and the header check at 21.
  auto other = z.value();
  other[14] ^= 0xFF;  // another fingerprint, with a valid header check
  store_le32(other.data() + 21, container::checksum32(std::span<const std::uint8_t>(other.data(), 21)));
  auto r = c->decompress(other);
  ASSERT_EQ(r.status(), Status::wrong_model);
  EXPECT_NE(r.error().detail.find(codec::fingerprint_hex(c->fingerprint(), 8)), std::string::npos);
  EXPECT_EQ(c->decompress(bytes_of("PK\x03\x04 not llmz")).status(), Status::bad_magic);
}

}  // namespace
}  // namespace llmz
