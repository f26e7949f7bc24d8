// Range coder: codes symbols given integer frequencies that sum to 2^K (DESIGN.md D5).
//
// Rules (stated before code, ryg_rans style):
//  - State: low (64 bits) and range (64 bits). Start: low = 0, range = 2^64 - 1.
//  - Encode (cum, freq, K), with freq >= 1, cum + freq <= 2^K, K <= 31:
//        r = range >> K;  low += r * cum;  range = r * freq;  then normalise.
//    The symbol's share of the range is r*freq / range ~ freq / 2^K; truncating range/2^K to r
//    costs at most log2(1 + 2^K / range) bits, and range >= 2^48 after normalisation, so the
//    overhead is below 2^-17 * 1.44 bits per symbol for K <= 31 (measured in the tests).
//  - Normalise (carry-less, Subbotin): while the top byte of low and of low + range agree, or
//    range < 2^48 (then range is first cut to the distance to the next 2^48 boundary,
//    -low mod 2^48), emit low's top byte and shift low and range left by 8.
//    The interval [low, low + range) never extends past 2^64, so no carry ever propagates into
//    emitted bytes.
//  - Finish, two rules (the container names which one a stream uses):
//      Flush::shortest (format v2): emit the fewest whole bytes of the value v that has the fewest
//        significant bits among all v in [low, low + range): v = low rounded up to a multiple of
//        2^(64-n) for the smallest n in 0..64 that lands inside the interval. The decoder reads
//        zeros past the end, so those bytes pin the stream inside the final interval; about
//        1-2 bytes instead of 8.
//      Flush::full8 (format v1): emit the 8 bytes of low, most significant first.
//    Either way the flush is a pure function of (low, range), so a decoder can check that a
//    stream ends exactly as an encoder would have ended it.
//  - Decode mirrors it: code holds the 8 bytes under the window; decode_target() returns
//    (code - low) / r, the cumulative frequency the symbol covers; the caller finds the symbol
//    with cum <= target < cum + freq and calls decode_advance(cum, freq), which updates low and
//    range exactly as the encoder did and reads a byte per emitted byte.
// No allocation except the encoder's output vector growth; never reads outside its input.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace llmz::coder {

struct Encoder {
  std::uint64_t low = 0;
  std::uint64_t range = ~std::uint64_t{0};
  std::vector<std::uint8_t>* out = nullptr;
};

struct Decoder {
  std::uint64_t low = 0;
  std::uint64_t range = ~std::uint64_t{0};
  std::uint64_t code = 0;
  std::span<const std::uint8_t> in;
  std::size_t pos = 0;
};

void encoder_init(Encoder& e, std::vector<std::uint8_t>& out) noexcept;
void encode(Encoder& e, std::uint32_t cum, std::uint32_t freq, int cdf_bits);
enum class Flush : std::uint8_t { full8, shortest };
void encoder_finish(Encoder& e, Flush rule = Flush::shortest);

void decoder_init(Decoder& d, std::span<const std::uint8_t> in) noexcept;
// The cumulative frequency the next symbol covers, in [0, 2^cdf_bits). A corrupt stream can give
// any value in that range (never more), so callers can always find a symbol for it.
std::uint32_t decode_target(const Decoder& d, int cdf_bits) noexcept;
void decode_advance(Decoder& d, std::uint32_t cum, std::uint32_t freq, int cdf_bits) noexcept;
// Bytes consumed so far (including the initial 8); more than in.size() means the stream was short.
std::size_t decoder_consumed(const Decoder& d) noexcept;
// After the last symbol: true when the stream ended exactly as an encoder using `rule` would have
// finished it (the bytes after those the normalisation shifted out are exactly the flush of the
// final state, nothing more). Any change to the stream that leaves the decoded symbols intact
// still fails this check.
bool decoder_at_clean_end(const Decoder& d, Flush rule = Flush::shortest) noexcept;

}  // namespace llmz::coder
