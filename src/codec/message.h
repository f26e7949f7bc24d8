// Message mode: a short text coded as the range coder's bits alone, with no container, for the
// original proof of concept's API (`seed, encoded = encode(text)`; `decode(seed, encoded)`).
//
// Contract:
//  - encode_message(text) tokenizes the bytes and codes every token exactly as a model frame
//    does (context token 0, the engine's integer tables, shortest flush). The result is the
//    token count (the "seed": the decoder needs it to know where to stop) and the coded bytes.
//    Nothing else is stored: no magic, no model fingerprint, no checksum. Decoding with another
//    model, or damaged bytes, gives an error when the stream does not end cleanly and otherwise
//    wrong text; use the .llmz container (Compressor) where that matters.
//  - decode_message(token_count, bytes) gives the text back.
//  - A message holds at most max_stream_tokens (the model's trained context; SmolLM2: 8192,
//    about 30 KB of English); longer input is refused with invalid_argument (use the container,
//    which splits into frames).
// Errors: invalid_argument (too long, or a token count out of range), corrupt_data.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "codec/token_coder.h"
#include "common/result.h"
#include "model/engine.h"
#include "tokenizer/tokenizer.h"

namespace llmz::codec {

struct MessageCode {
  std::uint64_t token_count = 0;
  std::vector<std::uint8_t> bytes;
};

Result<MessageCode> encode_message(Engine& engine, const Tokenizer& tokenizer, std::span<const std::uint8_t> text,
                                   const TokenProgress& progress = {});
Result<std::vector<std::uint8_t>> decode_message(Engine& engine, const Tokenizer& tokenizer, std::uint64_t token_count,
                                                 std::span<const std::uint8_t> bytes, const TokenProgress& progress = {});

}  // namespace llmz::codec
