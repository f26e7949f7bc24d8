#include "tokenizer/tokenizer_gguf.h"

namespace llmz {

Result<Tokenizer> tokenizer_from_gguf(const gguf::GgufFile& file) {
  auto model = file.get_string("tokenizer.ggml.model");
  if (!model.ok()) return model.error();
  if (model.value() != "gpt2")
    return Error(Status::unsupported_model,
                 "tokenizer model '" + std::string(model.value()) + "' is not supported (byte-level BPE 'gpt2' is)");
  auto tokens = file.get_string_array("tokenizer.ggml.tokens");
  if (!tokens.ok()) return tokens.error();
  auto merges = file.get_string_array("tokenizer.ggml.merges");
  if (!merges.ok()) return merges.error();
  std::string_view pre = "gpt2";
  if (file.find("tokenizer.ggml.pre") != nullptr) {
    auto p = file.get_string("tokenizer.ggml.pre");
    if (!p.ok()) return p.error();
    pre = p.value();
  }
  std::vector<std::int32_t> types;
  if (file.find("tokenizer.ggml.token_type") != nullptr) {
    auto t = file.get_i32_array("tokenizer.ggml.token_type");
    if (!t.ok()) return t.error();
    types = std::move(t).value();
  }
  std::vector<std::string_view> token_list(tokens.value().size()), merge_list(merges.value().size());
  for (std::size_t i = 0; i < token_list.size(); ++i) token_list[i] = tokens.value()[i];
  for (std::size_t i = 0; i < merge_list.size(); ++i) merge_list[i] = merges.value()[i];
  return Tokenizer::create(token_list, merge_list, pre, types);
}

}  // namespace llmz
