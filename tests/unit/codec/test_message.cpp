// Message mode (codec/message.h) on the real default model: the original API's round trips,
// the size of the code, the stages it reports, and what it refuses.
#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <string>

#include "codec/message.h"
#include "../../support/default_model.h"

namespace llmz {
namespace {

std::vector<std::uint8_t> bytes_of(const std::string& s) { return std::vector<std::uint8_t>(s.begin(), s.end()); }

class MessageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const testing::DefaultModel& d = testing::default_model();
    ASSERT_TRUE(d.error.empty()) << d.error;
    tokenizer_ = d.tokenizer.get();
    auto e = Engine::create(*d.model, EngineOptions{});
    ASSERT_TRUE(e.ok());
    engine_ = std::move(e).value();
  }
  const Tokenizer* tokenizer_ = nullptr;
  std::unique_ptr<Engine> engine_;
};

TEST_F(MessageTest, RoundTripsTextNonAsciiBytesAndEmpty) {
  for (const std::string& text : {std::string("Hello, world!"), std::string("Grüße aus Köln — 東京 🚀"), std::string(),
                                  std::string("\x00\x04\xff bytes without tokens \xc0", 30)}) {
    auto code = codec::encode_message(*engine_, *tokenizer_, bytes_of(text));
    ASSERT_TRUE(code.ok()) << code.error().message();
    auto back = codec::decode_message(*engine_, *tokenizer_, code.value().token_count, code.value().bytes);
    ASSERT_TRUE(back.ok()) << back.error().message();
    EXPECT_EQ(back.value(), bytes_of(text));
  }
}

TEST_F(MessageTest, CodeIsTheModelsBitsAndStagesAreReported) {
  const auto text = testing::corpus_bytes("bitter_lesson.txt");
  std::size_t probabilities = 0, coding = 0, decoding = 0, total = 0;
  auto code = codec::encode_message(*engine_, *tokenizer_, text, [&](codec::Stage s, std::size_t done, std::size_t n) {
    (s == codec::Stage::probabilities ? probabilities : coding) = done;
    total = n;
  });
  ASSERT_TRUE(code.ok());
  EXPECT_EQ(total, code.value().token_count);
  EXPECT_EQ(probabilities, total);
  EXPECT_EQ(coding, total);
  // No container: about 380 bytes for this text (8.2x), far below the 427-byte .llmz file.
  EXPECT_LT(code.value().bytes.size() * 8, text.size());
  auto back = codec::decode_message(*engine_, *tokenizer_, code.value().token_count, code.value().bytes,
                                    [&](codec::Stage s, std::size_t done, std::size_t) {
                                      if (s == codec::Stage::decoding) decoding = done;
                                    });
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back.value(), text);
  EXPECT_EQ(decoding, code.value().token_count);
}

TEST_F(MessageTest, RefusesWhatItCannotHold) {
  std::string longer;
  while (longer.size() < 40000) longer += "many words in a row, ";
  auto code = codec::encode_message(*engine_, *tokenizer_, bytes_of(longer));
  ASSERT_FALSE(code.ok());
  EXPECT_EQ(code.status(), Status::invalid_argument);
  EXPECT_NE(code.error().detail.find("compress()"), std::string::npos);
  EXPECT_EQ(codec::decode_message(*engine_, *tokenizer_, 1u << 20, bytes_of("x")).status(), Status::invalid_argument);
}

TEST_F(MessageTest, DamageIsAnErrorOrOtherText) {
  auto code = codec::encode_message(*engine_, *tokenizer_, bytes_of("A short message to damage."));
  ASSERT_TRUE(code.ok());
  int errors = 0;
  for (std::size_t i = 0; i < code.value().bytes.size(); ++i) {
    auto bad = code.value().bytes;
    bad[i] ^= 0x04;
    auto back = codec::decode_message(*engine_, *tokenizer_, code.value().token_count, bad);
    if (!back.ok()) ++errors;
    else EXPECT_NE(back.value(), bytes_of("A short message to damage."));
  }
  EXPECT_GT(errors, 0);
}

}  // namespace
}  // namespace llmz
