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
  const std::size_t frames = (jpeg.size() + 8191) / 8192;
  EXPECT_LE(zj.value().size(), jpeg.size() + 32 + 12 * frames + 14);
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

// A committed file that every later llmz must keep decompressing (format version 1, default
// model). Regenerate only with a format version bump: LLMZ_WRITE_GOLDEN=1 test_codec.
TEST_F(CompressorTest, GoldenFileStillDecompresses) {
  const std::string path = std::string(LLMZ_SOURCE_DIR) + "/tests/golden/bitter_lesson.txt.llmz";
  const auto text = corpus("bitter_lesson.txt");
  auto c = compressor();
  if (std::getenv("LLMZ_WRITE_GOLDEN") != nullptr) {
    codec::CompressOptions o;
    o.frame_size = 1024;
    auto z = c->compress(text, o);
    ASSERT_TRUE(z.ok());
    std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(z.value().data()),
                                                static_cast<std::streamsize>(z.value().size()));
  }
  std::ifstream in(path, std::ios::binary);
  ASSERT_TRUE(in.good()) << path;
  const std::vector<std::uint8_t> golden((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto back = c->decompress(golden);
  ASSERT_TRUE(back.ok()) << back.error().message();
  EXPECT_EQ(back.value(), text);
  // And today's compressor still writes exactly these bytes.
  codec::CompressOptions o;
  o.frame_size = 1024;
  EXPECT_EQ(c->compress(text, o).value(), golden);
}

TEST_F(CompressorTest, WrongModelIsNamed) {
  auto c = compressor();
  auto z = c->compress(bytes_of("some text"), {});
  ASSERT_TRUE(z.ok());
  auto other = z.value();
  other[12] ^= 0xFF;  // another fingerprint, with a valid header check
  store_le32(other.data() + 28, container::checksum32(std::span<const std::uint8_t>(other.data(), 28)));
  auto r = c->decompress(other);
  ASSERT_EQ(r.status(), Status::wrong_model);
  EXPECT_NE(r.error().detail.find(codec::fingerprint_hex(c->fingerprint())), std::string::npos);
  EXPECT_EQ(c->decompress(bytes_of("PK\x03\x04 not llmz")).status(), Status::bad_magic);
}

}  // namespace
}  // namespace llmz
