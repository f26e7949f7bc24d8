// Token coder: codes token sequences with the engine's frequency tables and the range coder.
//
// Contract:
//  - encode_tokens(engine, tokens) -> bytes: every token is coded with the table the engine
//    gives after the context token (<|endoftext|>, id 0) and the tokens before it; the whole
//    sequence is evaluated with batched prefill. The result is the range coder's stream only:
//    the caller keeps the token count (the decoder needs it).
//  - decode_tokens(engine, bytes, n) gives the n tokens back, one engine step per token.
//  - decode_many(engine, streams) decodes several independent streams in lock-step: each step
//    advances every unfinished stream by one token in one batched engine call. Results equal
//    decode_tokens on each stream (the engine's tables do not depend on the batch, DESIGN D1).
//  - A corrupt stream decodes to some token sequence without crashing or reading outside its
//    bytes; callers detect corruption by checksums of the detokenized bytes.
// Errors: invalid_argument for tokens outside the vocabulary or sequences longer than
// kMaxTokens; out_of_memory is not caught (allocation is proportional to n, bounded by the caller).
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "coder/range_coder.h"
#include "common/result.h"
#include "model/engine.h"

namespace llmz::codec {

inline constexpr std::int32_t kContextToken = 0;
inline constexpr std::size_t kMaxTokens = 1u << 20;

// The most tokens one coded stream (a model frame or a message) may hold: the model's trained
// context (8192 for SmolLM2). Longer streams would predict from positions the model never saw
// and need a KV cache of ~23 KB per token per stream; decoders refuse them before allocating.
std::size_t max_stream_tokens(const Engine& engine) noexcept;

// Called with the stage, the tokens done so far in it and the total: encoding computes every
// token's probability first (batched prefill keeps only each token's (cum, freq)), then codes
// them; decoding does both per step.
enum class Stage : std::uint8_t { probabilities, coding, decoding };
using TokenProgress = std::function<void(Stage stage, std::size_t done, std::size_t total)>;

// Stage 1 of encode_tokens on its own: token i's cumulative frequency and frequency in the table
// that predicts it, at [2i] and [2i+1] (tables sum to 2^engine.cdf_bits()). Also serves
// `llmz --estimate`, the ideal code length.
Result<std::vector<std::uint32_t>> token_probabilities(Engine& engine, std::span<const std::int32_t> tokens,
                                                       const TokenProgress& progress = {});

// `flush`: how the stream ends (format v2 uses the shortest flush, v1 eight bytes).
Result<std::vector<std::uint8_t>> encode_tokens(Engine& engine, std::span<const std::int32_t> tokens,
                                                coder::Flush flush = coder::Flush::shortest,
                                                const TokenProgress& progress = {});

Result<std::vector<std::int32_t>> decode_tokens(Engine& engine, std::span<const std::uint8_t> bytes, std::size_t n_tokens,
                                                coder::Flush flush = coder::Flush::shortest,
                                                const TokenProgress& progress = {});

struct CodedStream {
  std::span<const std::uint8_t> bytes;
  std::size_t n_tokens = 0;
};
// `progress` counts steps (one token of every unfinished stream) out of the longest stream.
Result<std::vector<std::vector<std::int32_t>>> decode_many(Engine& engine, std::span<const CodedStream> streams,
                                                           coder::Flush flush = coder::Flush::shortest,
                                                           const TokenProgress& progress = {});

}  // namespace llmz::codec
