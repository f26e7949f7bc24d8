#include <gtest/gtest.h>

#include <random>
#include <string>

#include "../../support/synthetic_vocab.h"

namespace llmz {
namespace {

std::span<const std::uint8_t> bytes_of(const std::string& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

class TokenizerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto t = vocab_.build();
    ASSERT_TRUE(t.ok()) << t.error().message();
    tok_ = std::move(t).value();
  }
  std::vector<std::string> pieces(const std::string& text) {
    std::vector<std::string> out;
    for (std::int32_t id : tok_.encode(bytes_of(text))) out.emplace_back(tok_.token_bytes(id));
    return out;
  }
  void expect_lossless(const std::string& s) {
    const auto ids = tok_.encode(bytes_of(s));
    EXPECT_EQ(tok_.decode(ids), s);
    for (std::int32_t id : ids) {
      EXPECT_GE(id, 0);
      EXPECT_LT(id, tok_.vocab_size());
    }
  }
  testing::SyntheticVocab vocab_;
  Tokenizer tok_;
};

TEST_F(TokenizerTest, MergesByRank) {
  EXPECT_EQ(pieces("the"), (std::vector<std::string>{"the"}));
  // "t h" (rank 0) fires before "Ġ t" (rank 11), and "Ġ the" is no merge.
  EXPECT_EQ(pieces(" the"), (std::vector<std::string>{" ", "the"}));
  EXPECT_EQ(pieces(" t"), (std::vector<std::string>{" t"}));
  EXPECT_EQ(pieces("abc"), (std::vector<std::string>{"abc"}));
  EXPECT_EQ(pieces("hello"), (std::vector<std::string>{"hell", "o"}));
  EXPECT_EQ(pieces("aaaaa"), (std::vector<std::string>{"aaaa", "a"}));
}

TEST_F(TokenizerTest, PreTokenizerFollowsTheGpt2PatternWithSplitDigits) {
  EXPECT_EQ(pieces("ab 123"), (std::vector<std::string>{"ab", " ", "1", "2", "3"}));
  EXPECT_EQ(pieces("I'm"), (std::vector<std::string>{"I", "'", "m"}));  // "'m" has no merge: bytes
  EXPECT_EQ(pieces("x  y").size(), 4u);                                  // "x", " ", " y" = " " + "y"
  EXPECT_EQ(pieces("!?"), (std::vector<std::string>{"!", "?"}));
}

// Pre-token byte lengths, as encode feeds them to BPE.
std::vector<std::uint32_t> pre_tokens(const Tokenizer& t, const std::string& text) {
  std::vector<std::uint32_t> lengths;
  t.pre_tokenize(bytes_of(text), lengths);
  return lengths;
}
using Lengths = std::vector<std::uint32_t>;

TEST_F(TokenizerTest, PreTokenizerPattern) {
  // Expected lengths are those of the reference's pre_tokenize_str.
  // "Hello", " world", "  " (\s+(?!\S) leaves one space), " x", "\n", "\n", "'s", "1", "2", " !!?".
  EXPECT_EQ(pre_tokens(tok_, "Hello world   x\n\n's12 !!?"), (Lengths{5, 6, 2, 2, 1, 1, 2, 1, 1, 4}));
  // "it", "'s", " '", "S", " '", "ll": contractions match only at a pre-token start, lower case only.
  EXPECT_EQ(pre_tokens(tok_, "it's 'S 'll"), (Lengths{2, 2, 2, 1, 2, 2}));
  EXPECT_EQ(pre_tokens(tok_, "a\t\tb  "), (Lengths{1, 1, 1, 1, 2}));       // tab run leaves one; spaces at the end stay
  EXPECT_EQ(pre_tokens(tok_, " \u3000x"), (Lengths{1, 3, 1}));               // only U+0020 joins a word
  EXPECT_EQ(pre_tokens(tok_, "x!'s"), (Lengths{1, 2, 1}));                   // "!'" run, then "s": no backtracking
  EXPECT_EQ(pre_tokens(tok_, ""), Lengths{});
}

TEST_F(TokenizerTest, DigitsSplitIndividuallyIncludingNonAscii) {
  // U+0663 U+0664: Arabic-Indic digits, two bytes each.
  EXPECT_EQ(pre_tokens(tok_, "a\u0663\u0664b 12"), (Lengths{1, 2, 2, 1, 1, 1, 1}));
  auto gpt2 = vocab_.build("gpt2");
  ASSERT_TRUE(gpt2.ok());
  EXPECT_EQ(pre_tokens(gpt2.value(), "a\u0663\u0664b 12"), (Lengths{1, 4, 1, 3}));
}

TEST_F(TokenizerTest, UnicodeTablesFollowTheReferenceVersions) {
  // U+1C89 CYRILLIC CAPITAL LETTER TJE (Unicode 16.0): a letter for the regex (Oniguruma 16.0).
  EXPECT_EQ(pre_tokens(tok_, "a\u1c89b"), (Lengths{5}));
  // U+0C5C (a letter only since Unicode 17.0): not yet a letter for the regex.
  EXPECT_EQ(pre_tokens(tok_, "a\u0c5cb"), (Lengths{1, 3, 1}));
  // U+11DE0 TOLONG SIKI DIGIT ZERO (Unicode 17.0): split by Digits (Rust 17.0), though the regex
  // alone would not call it \p{N}.
  EXPECT_EQ(pre_tokens(tok_, "a\U00011de0b"), (Lengths{1, 4, 1}));
}

TEST_F(TokenizerTest, InvalidUtf8BytesArePunctuationLike) {
  // Each byte that is not part of a valid character is a character of class "other" on its own:
  // it joins neighbouring punctuation and invalid bytes, never letters, digits or spaces.
  EXPECT_EQ(pre_tokens(tok_, "ab\xff\xfe!cd \x80x"), (Lengths{2, 3, 2, 2, 1}));
  EXPECT_EQ(pre_tokens(tok_, "\xc3"), (Lengths{1}));              // cut inside a character
  EXPECT_EQ(pre_tokens(tok_, "\xed\xa0\x80"), (Lengths{3}));     // a UTF-8-encoded surrogate
}

TEST_F(TokenizerTest, LongInputsAreChunkedAtTrueBoundaries) {
  // Over 16 MiB: the cut must not change a single id. Every repetition of the unit tokenizes alike
  // ("\n" before a letter is a pre-token of its own), so the ids are the unit's ids repeated.
  const std::string unit = "hello world, the abc 123 aaaa\n";
  const auto unit_ids = tok_.encode(bytes_of(unit));
  std::string big;
  const std::size_t reps = (std::size_t{17} << 20) / unit.size() + 1;
  big.reserve(reps * unit.size());
  for (std::size_t r = 0; r < reps; ++r) big += unit;
  const auto ids = tok_.encode(bytes_of(big));
  ASSERT_EQ(ids.size(), reps * unit_ids.size());
  for (std::size_t k = 0; k < ids.size(); ++k) ASSERT_EQ(ids[k], unit_ids[k % unit_ids.size()]) << "token " << k;
  EXPECT_EQ(tok_.decode(ids), big);
  // No good cut place (one long run of a two-byte letter): still lossless, never inside a character.
  std::string letters;
  for (std::size_t k = 0; k < (std::size_t{17} << 19); ++k) letters += "\xc3\xa9";
  expect_lossless(letters);
  std::size_t offset = 0;
  for (std::uint32_t len : pre_tokens(tok_, letters)) {
    offset += len;
    EXPECT_EQ(offset % 2, 0u);
  }
}

TEST_F(TokenizerTest, ControlTokensAreNeverProduced) {
  const auto ids = tok_.encode(bytes_of("<|endoftext|> <|im_start|>"));
  for (std::int32_t id : ids) EXPECT_GE(id, 2);
}

TEST_F(TokenizerTest, LosslessOnHostileInput) {
  expect_lossless("");
  expect_lossless(std::string("a\0b\0\0", 5));
  expect_lossless("\xff\xfe\xc0\xc1\xf5\xf8 ok \x80\x81");
  expect_lossless(std::string("h\xc3\xa9llo \xe6\x97\xa5", 10));  // cut inside a character
  expect_lossless("\x80" "abc\xbf \xa0");
  expect_lossless("\xed\xa0\x80\xed\xbf\xbf");            // surrogates
  expect_lossless("\xc0\xaf\xe0\x80\xaf\xf0\x80\x80\xaf");  // overlong forms
  expect_lossless(std::string(200000, ' ') + "x" + std::string(1000, '\n'));
  expect_lossless(std::string(300000, 'a'));
  std::string all;
  for (int r = 0; r < 3; ++r)
    for (int b = 0; b < 256; ++b) all.push_back(static_cast<char>(b));
  expect_lossless(all);
  std::mt19937 rng(4);
  for (int round = 0; round < 200; ++round) {
    std::string s(rng() % 300, '\0');
    for (char& c : s) c = static_cast<char>(rng() % 4 == 0 ? "a 1'\xc3\xa9\n"[rng() % 7] : rng());
    expect_lossless(s);
  }
}

TEST(TokenizerEscapes, BytesWithoutTokensAreEscapedLosslessly) {
  testing::SyntheticVocab vocab({4, 200, 255});
  auto t = vocab.build();
  ASSERT_TRUE(t.ok()) << t.error().message();
  const std::string s = "a\x04" "b\xc8\xff\xff the";
  const auto ids = t.value().encode(bytes_of(s));
  EXPECT_EQ(t.value().decode(ids), s);
  int escapes = 0;
  for (std::int32_t id : ids) escapes += id == 1;  // ESC: the highest control token
  EXPECT_EQ(escapes, 4);
  // Streaming decode gives the same bytes.
  std::string streamed;
  Tokenizer::DecodeState st;
  for (std::int32_t id : ids) t.value().decode_append(id, streamed, st);
  EXPECT_EQ(streamed, s);
}

TEST(TokenizerErrors, RejectsBadVocabularies) {
  testing::SyntheticVocab vocab;
  EXPECT_EQ(vocab.build("llama-spm").status(), Status::unsupported_model);
  EXPECT_TRUE(vocab.build("gpt2").ok());
  auto bad = vocab;
  bad.merges.push_back("nosuch token");
  EXPECT_EQ(bad.build().status(), Status::corrupt_data);
  auto malformed = vocab;
  malformed.merges.push_back("nospace");
  EXPECT_EQ(malformed.build().status(), Status::corrupt_data);
  testing::SyntheticVocab missing({65});
  missing.types.assign(missing.types.size(), 1);  // no control token to escape with
  EXPECT_EQ(missing.build().status(), Status::unsupported_model);
}

}  // namespace
}  // namespace llmz
