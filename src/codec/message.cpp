#include "codec/message.h"

#include <string>

namespace llmz::codec {

Result<MessageCode> encode_message(Engine& engine, const Tokenizer& tokenizer, std::span<const std::uint8_t> text,
                                   const TokenProgress& progress) {
  std::vector<std::int32_t> tokens;
  tokenizer.encode_append(text, tokens);
  if (tokens.size() > max_stream_tokens(engine))
    return Error(Status::invalid_argument, "the text is " + std::to_string(tokens.size()) + " tokens; a message holds at most " +
                                               std::to_string(max_stream_tokens(engine)) + " (use compress() for longer input)");
  auto coded = encode_tokens(engine, tokens, coder::Flush::shortest, progress);
  if (!coded.ok()) return coded.error();
  return MessageCode{tokens.size(), std::move(coded).value()};
}

Result<std::vector<std::uint8_t>> decode_message(Engine& engine, const Tokenizer& tokenizer, std::uint64_t token_count,
                                                 std::span<const std::uint8_t> bytes, const TokenProgress& progress) {
  if (token_count > max_stream_tokens(engine))
    return Error(Status::invalid_argument, "token count " + std::to_string(token_count) + " is more than a message holds");
  auto tokens = decode_tokens(engine, bytes, static_cast<std::size_t>(token_count), coder::Flush::shortest, progress);
  if (!tokens.ok()) return tokens.error();
  const std::string text = tokenizer.decode(tokens.value());
  return std::vector<std::uint8_t>(text.begin(), text.end());
}

}  // namespace llmz::codec
