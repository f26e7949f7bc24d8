// Tokenizer: GPT-2 style byte-level BPE, lossless for any byte string.
//
// Contract:
//  - decode(encode(x)) == x for EVERY byte string x: invalid UTF-8, NUL bytes, lone continuation
//    bytes, text cut inside a character, any length (no quadratic blow-up on long runs).
//  - On valid UTF-8 text, encode gives the model's own tokenization: the ids of the reference
//    (Hugging Face `tokenizers` with the same vocab, merges and pre-tokenizer; checked in
//    tests/python/test_tokenizer.py).
//  - Pre-tokenizers: "smollm" (every \p{N} character alone, then the GPT-2 regex) and "gpt2"
//    (the GPT-2 regex only). Bytes that are not part of valid UTF-8 are pre-tokenized as
//    characters of their own class "other" (like punctuation), so they never join letters,
//    numbers or spaces.
//  - Control tokens (token type 3, e.g. <|im_start|>) are never produced from text: text is
//    tokenized literally. One exception keeps vocabularies without a token for every byte
//    lossless (SmolLM2 lacks 21 byte tokens, e.g. 0x04 and 0xFF): such a byte is written as two
//    tokens, ESC (the highest-numbered control token) then the single-byte token of the k-th
//    byte that has a token, where k is the missing byte's rank among the missing bytes.
//  - Never sees the model: built from plain vocab/merge strings (tokenizer_gguf.h adapts GGUF).
// Errors (create): corrupt_data for an inconsistent vocab/merges, unsupported_model for an
// unknown pre-tokenizer.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/result.h"

namespace llmz {

class Tokenizer {
 public:
  // tokens: vocab strings in the GPT-2 byte-to-unicode alphabet; merges: "left right" pairs in
  // rank order; pre_type: "smollm" or "gpt2"; token_types: may be empty.
  static Result<Tokenizer> create(const std::vector<std::string_view>& tokens,
                                  const std::vector<std::string_view>& merges, std::string_view pre_type,
                                  const std::vector<std::int32_t>& token_types);

  std::vector<std::int32_t> encode(std::span<const std::uint8_t> bytes) const;
  void encode_append(std::span<const std::uint8_t> bytes, std::vector<std::int32_t>& out) const;
  // Ids must be in [0, vocab_size()); others decode to nothing.
  // (Streaming callers feed ids one by one through decode_append with a DecodeState.)
  std::string decode(std::span<const std::int32_t> ids) const;
  struct DecodeState {
    bool after_escape = false;
  };
  void decode_append(std::int32_t id, std::string& out, DecodeState& state) const;
  std::string_view token_bytes(std::int32_t id) const;
  int vocab_size() const noexcept { return static_cast<int>(token_bytes_.size()); }

 private:
  struct PairHash {
    std::size_t operator()(std::uint64_t v) const noexcept { return std::hash<std::uint64_t>()(v * 0x9E3779B97F4A7C15ull); }
  };
  struct Merge {
    std::int32_t rank;
    std::int32_t merged;
  };
  void bpe(std::span<const std::uint8_t> piece, std::vector<std::int32_t>& out) const;
  Error set_up_escapes(const std::vector<std::int32_t>& token_types);
  void encode_piece(std::span<const std::uint8_t> piece, std::vector<std::int32_t>& out) const;

  bool split_digits_ = true;
  std::vector<std::string> token_bytes_;             // id -> raw bytes
  std::int32_t byte_token_[256] = {};                // byte -> id of its single-byte token, -1 if none
  std::int32_t escape_id_ = -1;                      // ESC, when some byte has no token
  std::int32_t escape_payload_[256] = {};            // missing byte -> the token that follows ESC
  std::int16_t escaped_byte_[256] = {};              // byte of a payload token -> the missing byte, -1
  std::unordered_map<std::uint64_t, Merge, PairHash> merges_;  // (left id << 32 | right id) -> merge
};

}  // namespace llmz
