// The GGUF adapter: tokenizer metadata read from small in-memory GGUF files (no model needed).
#include <gtest/gtest.h>

#include "../../support/gguf_builder.h"
#include "../../support/synthetic_vocab.h"
#include "gguf/gguf.h"
#include "tokenizer/tokenizer_gguf.h"

namespace llmz {
namespace {

struct Built {
  std::vector<std::uint8_t> bytes;  // the file image; the parsed file points into it
  Result<Tokenizer> tokenizer = Error(Status::invalid_argument, "not built");
};

// A GGUF image with the synthetic vocabulary; `edit` changes the metadata before it is written.
template <typename Edit>
void build(Built& b, Edit edit) {
  const testing::SyntheticVocab vocab;
  testing::GgufBuilder g;
  edit(g, vocab);
  b.bytes = g.build();
  auto file = gguf::GgufFile::parse(b.bytes);
  ASSERT_TRUE(file.ok()) << file.error().message();
  b.tokenizer = tokenizer_from_gguf(file.value());
}

void standard(testing::GgufBuilder& g, const testing::SyntheticVocab& v) {
  g.str("tokenizer.ggml.model", "gpt2")
      .str_array("tokenizer.ggml.tokens", v.tokens)
      .str_array("tokenizer.ggml.merges", v.merges)
      .str("tokenizer.ggml.pre", "smollm")
      .i32_array("tokenizer.ggml.token_type", v.types);
}

TEST(TokenizerGguf, BuildsTheSameTokenizerAsCreate) {
  Built b;
  build(b, standard);
  ASSERT_TRUE(b.tokenizer.ok()) << b.tokenizer.error().message();
  auto direct = testing::SyntheticVocab().build();
  ASSERT_TRUE(direct.ok());
  const std::string text = "the abc 123 hello <|im_start|>";
  const std::span<const std::uint8_t> bytes(reinterpret_cast<const std::uint8_t*>(text.data()), text.size());
  EXPECT_EQ(b.tokenizer.value().encode(bytes), direct.value().encode(bytes));
  EXPECT_EQ(b.tokenizer.value().vocab_size(), direct.value().vocab_size());
}

TEST(TokenizerGguf, PreAndTokenTypesAreOptional) {
  Built b;
  build(b, [](testing::GgufBuilder& g, const testing::SyntheticVocab& v) {
    g.str("tokenizer.ggml.model", "gpt2")
        .str_array("tokenizer.ggml.tokens", v.tokens)
        .str_array("tokenizer.ggml.merges", v.merges);
  });
  EXPECT_TRUE(b.tokenizer.ok()) << b.tokenizer.error().message();
}

TEST(TokenizerGguf, ErrorsAreValues) {
  Built b;
  build(b, [](testing::GgufBuilder& g, const testing::SyntheticVocab& v) {
    g.str("tokenizer.ggml.model", "llama").str_array("tokenizer.ggml.tokens", v.tokens);
  });
  EXPECT_EQ(b.tokenizer.status(), Status::unsupported_model);
  build(b, [](testing::GgufBuilder& g, const testing::SyntheticVocab& v) {
    g.str("tokenizer.ggml.model", "gpt2").str_array("tokenizer.ggml.tokens", v.tokens);
  });
  EXPECT_EQ(b.tokenizer.status(), Status::missing_key);  // no merges
  build(b, [](testing::GgufBuilder& g, const testing::SyntheticVocab& v) {
    g.str("tokenizer.ggml.model", "gpt2")
        .str_array("tokenizer.ggml.tokens", v.tokens)
        .str_array("tokenizer.ggml.merges", v.merges)
        .u32("tokenizer.ggml.pre", 7);
  });
  EXPECT_EQ(b.tokenizer.status(), Status::type_mismatch);
  build(b, [](testing::GgufBuilder& g, const testing::SyntheticVocab& v) {
    g.str("tokenizer.ggml.model", "gpt2")
        .str_array("tokenizer.ggml.tokens", v.tokens)
        .str_array("tokenizer.ggml.merges", v.merges)
        .str("tokenizer.ggml.pre", "qwen2");
  });
  EXPECT_EQ(b.tokenizer.status(), Status::unsupported_model);
  build(b, [](testing::GgufBuilder& g, const testing::SyntheticVocab& v) {
    g.str("tokenizer.ggml.model", "gpt2")
        .str_array("tokenizer.ggml.tokens", v.tokens)
        .str_array("tokenizer.ggml.merges", v.merges)
        .i32_array("tokenizer.ggml.token_type", {1, 2, 3});  // shorter than the vocabulary
  });
  EXPECT_EQ(b.tokenizer.status(), Status::corrupt_data);
}

}  // namespace
}  // namespace llmz
