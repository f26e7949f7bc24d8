// Tokenizer: GPT-2 style byte-level BPE, lossless for any byte string.
//
// Contract:
//  - decode(encode(x)) == x for EVERY byte string x: invalid UTF-8, NUL bytes, lone continuation
//    bytes, text cut inside a character, overlong forms, encoded surrogates, any length. BPE runs
//    on a heap over a linked list (O(n log n) per pre-token), so 1 MB of one letter or of spaces
//    is linear-ish; inputs over 16 MiB are pre-tokenized in chunks cut at true pre-token
//    boundaries (same ids), which bounds scratch memory (about 16 bytes per input byte).
//  - On valid UTF-8 text, encode gives the model's own tokenization: the ids of the reference
//    (Hugging Face `tokenizers` with the same vocab and merges, pre-tokenizer
//    Sequence([Digits(individual_digits=True), ByteLevel(add_prefix_space=False)]), control
//    tokens special; checked in tests/python/test_tokenizer.py, pre-tokens over all of Unicode).
//  - Pre-tokenizers: "smollm" (every numeric character alone, then the GPT-2 regex) and "gpt2"
//    (the GPT-2 regex only). Character classes follow the reference's Unicode versions (see
//    gen_unicode_tables.py). A byte that is not part of a valid, shortest-form, non-surrogate
//    UTF-8 character is a character of its own of class "other" (like punctuation): it joins
//    adjacent punctuation and invalid bytes in a [^\s\p{L}\p{N}]+ run, never letters, numbers or
//    spaces, so the valid text around it tokenizes as usual.
//  - Control tokens (token type 3, e.g. <|im_start|>) are never produced from text: text is
//    tokenized literally. One exception keeps vocabularies without a token for every byte
//    lossless (SmolLM2 lacks 21 byte tokens, e.g. 0x04 and 0xFF; the reference silently drops
//    such bytes): such a byte is written as two tokens, ESC (the highest-numbered control token)
//    then the single-byte token of the k-th byte that has a token, where k is the missing byte's
//    rank among the missing bytes. So decoding is stateful: decode_append takes a DecodeState.
//  - Thread-safe: encode/decode are const and keep their scratch (and a pre-token -> ids cache)
//    per call.
//  - Never sees the model: built from plain vocab/merge strings (tokenizer_gguf.h adapts GGUF).
// Errors (create): corrupt_data for an inconsistent vocab/merges (a merge naming a token that does
// not exist, or whose concatenation does not exist), unsupported_model for an unknown pre-tokenizer
// or for missing byte tokens with no control token to escape them with. Never aborts.
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
  // The pre-tokens encode would feed to BPE, as byte lengths in order (they sum to bytes.size()).
  // For tests and diagnostics: compared with the reference's pre_tokenize_str over all of Unicode.
  void pre_tokenize(std::span<const std::uint8_t> bytes, std::vector<std::uint32_t>& piece_lengths) const;
  // Ids should be in [0, vocab_size()) (encode never produces others); others decode to nothing,
  // so corrupt input cannot read out of bounds.
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
  struct EncodeScratch;  // per-call buffers and pre-token cache (tokenizer.cpp)
  void bpe(std::span<const std::uint8_t> piece, std::vector<std::int32_t>& out, EncodeScratch& scratch) const;
  Error set_up_escapes(const std::vector<std::int32_t>& token_types);
  void encode_piece(std::span<const std::uint8_t> piece, std::vector<std::int32_t>& out, EncodeScratch& scratch) const;
  void encode_piece_uncached(std::span<const std::uint8_t> piece, std::vector<std::int32_t>& out,
                             EncodeScratch& scratch) const;

  bool split_digits_ = true;
  std::vector<std::string> token_bytes_;             // id -> raw bytes
  std::int32_t byte_token_[256] = {};                // byte -> id of its single-byte token, -1 if none
  std::int32_t escape_id_ = -1;                      // ESC, when some byte has no token
  std::int32_t escape_payload_[256] = {};            // missing byte -> the token that follows ESC
  std::int16_t escaped_byte_[256] = {};              // byte of a payload token -> the missing byte, -1
  std::unordered_map<std::uint64_t, Merge, PairHash> merges_;  // (left id << 32 | right id) -> merge
};

}  // namespace llmz
