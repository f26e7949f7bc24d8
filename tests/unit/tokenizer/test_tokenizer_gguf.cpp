// The GGUF adapter: tokenizer metadata read from small in-memory GGUF files (no model needed).
#include <gtest/gtest.h>

#include "../../support/gguf_writer.h"
#include "../../support/synthetic_vocab.h"
#include "gguf/gguf.h"
#include "tokenizer/tokenizer_gguf.h"

namespace llmz {
namespace {

gguf_test::Encoded i32_array(const std::vector<std::int32_t>& xs) {
  return gguf_test::array_of(gguf_test::kI32, xs, [](std::int32_t x) { return gguf_test::i32(x); });
}

struct Built {
  std::vector<std::uint8_t> bytes;  // the file image; the parsed file points into it
  Result<Tokenizer> tokenizer = Error(Status::invalid_argument, "not built");
};

// A GGUF image with the synthetic vocabulary; `edit` changes the metadata before it is written.
template <typename Edit>
void build(Built& b, Edit edit) {
  const testing::SyntheticVocab vocab;
  gguf_test::GgufWriter g;
  edit(g, vocab);
  b.bytes = g.build();
  auto file = gguf::GgufFile::parse(b.bytes);
  ASSERT_TRUE(file.ok()) << file.error().message();
  b.tokenizer = tokenizer_from_gguf(file.value());
}

void standard(gguf_test::GgufWriter& g, const testing::SyntheticVocab& v) {
  g.kv("tokenizer.ggml.model", gguf_test::str("gpt2"))
      .kv("tokenizer.ggml.tokens", gguf_test::str_array(v.tokens))
      .kv("tokenizer.ggml.merges", gguf_test::str_array(v.merges))
      .kv("tokenizer.ggml.pre", gguf_test::str("smollm"))
      .kv("tokenizer.ggml.token_type", i32_array(v.types));
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
  build(b, [](gguf_test::GgufWriter& g, const testing::SyntheticVocab& v) {
    g.kv("tokenizer.ggml.model", gguf_test::str("gpt2"))
        .kv("tokenizer.ggml.tokens", gguf_test::str_array(v.tokens))
        .kv("tokenizer.ggml.merges", gguf_test::str_array(v.merges));
  });
  EXPECT_TRUE(b.tokenizer.ok()) << b.tokenizer.error().message();
}

TEST(TokenizerGguf, ErrorsAreValues) {
  Built b;
  build(b, [](gguf_test::GgufWriter& g, const testing::SyntheticVocab& v) {
    g.kv("tokenizer.ggml.model", gguf_test::str("llama")).kv("tokenizer.ggml.tokens", gguf_test::str_array(v.tokens));
  });
  EXPECT_EQ(b.tokenizer.status(), Status::unsupported_model);
  build(b, [](gguf_test::GgufWriter& g, const testing::SyntheticVocab& v) {
    g.kv("tokenizer.ggml.model", gguf_test::str("gpt2")).kv("tokenizer.ggml.tokens", gguf_test::str_array(v.tokens));
  });
  EXPECT_EQ(b.tokenizer.status(), Status::missing_key);  // no merges
  build(b, [](gguf_test::GgufWriter& g, const testing::SyntheticVocab& v) {
    g.kv("tokenizer.ggml.model", gguf_test::str("gpt2"))
        .kv("tokenizer.ggml.tokens", gguf_test::str_array(v.tokens))
        .kv("tokenizer.ggml.merges", gguf_test::str_array(v.merges))
        .kv("tokenizer.ggml.pre", gguf_test::u32(7));
  });
  EXPECT_EQ(b.tokenizer.status(), Status::type_mismatch);
  build(b, [](gguf_test::GgufWriter& g, const testing::SyntheticVocab& v) {
    g.kv("tokenizer.ggml.model", gguf_test::str("gpt2"))
        .kv("tokenizer.ggml.tokens", gguf_test::str_array(v.tokens))
        .kv("tokenizer.ggml.merges", gguf_test::str_array(v.merges))
        .kv("tokenizer.ggml.pre", gguf_test::str("qwen2"));
  });
  EXPECT_EQ(b.tokenizer.status(), Status::unsupported_model);
  build(b, [](gguf_test::GgufWriter& g, const testing::SyntheticVocab& v) {
    g.kv("tokenizer.ggml.model", gguf_test::str("gpt2"))
        .kv("tokenizer.ggml.tokens", gguf_test::str_array(v.tokens))
        .kv("tokenizer.ggml.merges", gguf_test::str_array(v.merges))
        .kv("tokenizer.ggml.token_type", i32_array({1, 2, 3}));  // shorter than the vocabulary
  });
  EXPECT_EQ(b.tokenizer.status(), Status::corrupt_data);
}

}  // namespace
}  // namespace llmz
