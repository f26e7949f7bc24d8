// Token coder round trips on the real default model (provisioned by `make model`).
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <iterator>
#include <memory>

#include "codec/token_coder.h"
#include "common/model_locator.h"
#include "../../support/default_model.h"

namespace llmz {
namespace {

class TokenCoderTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const testing::DefaultModel& d = testing::default_model();
    ASSERT_TRUE(d.error.empty()) << d.error;
    model_ = d.model.get();
    tokens_ = new std::vector<std::int32_t>(d.tokenizer->encode(testing::corpus_bytes("bitter_lesson.txt")));
  }
  static void TearDownTestSuite() { delete tokens_; }
  std::unique_ptr<Engine> engine() {
    auto e = Engine::create(*model_, EngineOptions{});
    EXPECT_TRUE(e.ok());
    return std::move(e).value();
  }
  static Model* model_;
  static std::vector<std::int32_t>* tokens_;
};
Model* TokenCoderTest::model_ = nullptr;
std::vector<std::int32_t>* TokenCoderTest::tokens_ = nullptr;

TEST_F(TokenCoderTest, RoundTripCostsWhatTheTablesSay) {
  auto e = engine();
  const std::vector<std::int32_t> toks(tokens_->begin(), tokens_->begin() + 120);
  auto coded = codec::encode_tokens(*e, toks);
  ASSERT_TRUE(coded.ok());
  // The ideal code length from the same tables.
  const int vocab = e->vocab();
  std::vector<std::int32_t> inputs{codec::kContextToken};
  inputs.insert(inputs.end(), toks.begin(), toks.end() - 1);
  Sequence seq(model_->config(), static_cast<int>(inputs.size()));
  std::vector<std::uint32_t> f(inputs.size() * vocab);
  ASSERT_EQ(e->prefill(seq, inputs, f), Status::ok);
  double ideal = 0;
  for (std::size_t i = 0; i < toks.size(); ++i) ideal -= std::log2(f[i * vocab + toks[i]] / std::ldexp(1.0, e->cdf_bits()));
  const double actual = 8.0 * static_cast<double>(coded.value().size());
  // The shortest flush ends within a byte or two of the ideal, on either side (the last byte's
  // low bits are padding).
  EXPECT_LT(actual, ideal + 16 + 0.01 * static_cast<double>(toks.size()));
  EXPECT_GT(actual, ideal - 8);
  auto decoded = codec::decode_tokens(*e, coded.value(), toks.size());
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(decoded.value(), toks);
}

TEST_F(TokenCoderTest, LockStepDecodingEqualsOneByOne) {
  auto e = engine();
  const std::vector<std::vector<std::int32_t>> parts{
      std::vector<std::int32_t>(tokens_->begin(), tokens_->begin() + 40),
      {},
      std::vector<std::int32_t>(tokens_->begin() + 100, tokens_->begin() + 101),
      std::vector<std::int32_t>(tokens_->begin() + 200, tokens_->begin() + 225)};
  std::vector<std::vector<std::uint8_t>> coded;
  for (const auto& p : parts) {
    auto c = codec::encode_tokens(*e, p);
    ASSERT_TRUE(c.ok());
    coded.push_back(std::move(c).value());
  }
  std::vector<codec::CodedStream> streams;
  for (std::size_t i = 0; i < parts.size(); ++i) streams.push_back({coded[i], parts[i].size()});
  auto all = codec::decode_many(*e, streams);
  ASSERT_TRUE(all.ok());
  for (std::size_t i = 0; i < parts.size(); ++i) EXPECT_EQ(all.value()[i], parts[i]) << i;
}

TEST_F(TokenCoderTest, CorruptStreamsDecodeWithoutHarm) {
  auto e = engine();
  const std::vector<std::int32_t> toks(tokens_->begin(), tokens_->begin() + 30);
  auto coded = codec::encode_tokens(*e, toks);
  ASSERT_TRUE(coded.ok());
  std::vector<std::uint8_t> bad = coded.value();
  bad[bad.size() / 2] ^= 0x40;
  auto decoded = codec::decode_tokens(*e, bad, toks.size());
  EXPECT_TRUE(!decoded.ok() || decoded.value() != toks);
  auto empty = codec::decode_tokens(*e, {}, 5);  // no bytes at all: reads zeros, terminates, fails
  EXPECT_EQ(empty.status(), Status::corrupt_data);
  const std::vector<std::int32_t> out_of_range{e->vocab()};
  EXPECT_FALSE(codec::encode_tokens(*e, out_of_range).ok());
}

}  // namespace
}  // namespace llmz
