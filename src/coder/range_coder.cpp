#include "coder/range_coder.h"

namespace llmz::coder {
namespace {

constexpr std::uint64_t kTop = std::uint64_t{1} << 56;
constexpr std::uint64_t kBottom = std::uint64_t{1} << 48;

// One normalisation decision, shared by both sides: true when a byte must be shifted out
// (possibly after cutting range back to the next 2^48 boundary).
inline bool must_shift(std::uint64_t low, std::uint64_t& range) noexcept {
  if ((low ^ (low + range)) < kTop) return true;
  if (range < kBottom) {
    range = (0 - low) & (kBottom - 1);
    return true;
  }
  return false;
}

// The shortest flush of the interval [low, low + range): the value with the fewest significant
// bits inside it, and how many whole bytes carry those bits.
struct ShortFlush {
  std::uint64_t value;
  int bytes;
};
inline ShortFlush shortest_flush(std::uint64_t low, std::uint64_t range) noexcept {
  if (low == 0) return {0, 0};
  for (int n = 1; n < 64; ++n) {
    const std::uint64_t mask = (std::uint64_t{1} << (64 - n)) - 1;
    const std::uint64_t v = (low & mask) == 0 ? low : (low | mask) + 1;
    if (v != 0 && v - low < range) return {v, (n + 7) / 8};  // v == 0: rounded past 2^64
  }
  return {low, 8};
}

}  // namespace

void encoder_init(Encoder& e, std::vector<std::uint8_t>& out) noexcept {
  e.low = 0;
  e.range = ~std::uint64_t{0};
  e.out = &out;
}

void encode(Encoder& e, std::uint32_t cum, std::uint32_t freq, int cdf_bits) {
  const std::uint64_t r = e.range >> cdf_bits;
  e.low += r * cum;
  e.range = r * freq;
  while (must_shift(e.low, e.range)) {
    e.out->push_back(static_cast<std::uint8_t>(e.low >> 56));
    e.low <<= 8;
    e.range <<= 8;
  }
}

void encoder_finish(Encoder& e, Flush rule) {
  std::uint64_t v = e.low;
  int bytes = 8;
  if (rule == Flush::shortest) {
    const ShortFlush f = shortest_flush(e.low, e.range);
    v = f.value;
    bytes = f.bytes;
  }
  for (int i = 0; i < bytes; ++i) {
    e.out->push_back(static_cast<std::uint8_t>(v >> 56));
    v <<= 8;
  }
}

namespace {
inline std::uint8_t next_byte(Decoder& d) noexcept {
  const std::uint8_t b = d.pos < d.in.size() ? d.in[d.pos] : 0;
  ++d.pos;
  return b;
}
}  // namespace

void decoder_init(Decoder& d, std::span<const std::uint8_t> in) noexcept {
  d.low = 0;
  d.range = ~std::uint64_t{0};
  d.in = in;
  d.pos = 0;
  d.code = 0;
  for (int i = 0; i < 8; ++i) d.code = (d.code << 8) | next_byte(d);
}

std::uint32_t decode_target(const Decoder& d, int cdf_bits) noexcept {
  const std::uint64_t r = d.range >> cdf_bits;
  const std::uint64_t target = (d.code - d.low) / r;
  const std::uint64_t limit = (std::uint64_t{1} << cdf_bits) - 1;
  return static_cast<std::uint32_t>(target < limit ? target : limit);
}

void decode_advance(Decoder& d, std::uint32_t cum, std::uint32_t freq, int cdf_bits) noexcept {
  const std::uint64_t r = d.range >> cdf_bits;
  d.low += r * cum;
  d.range = r * freq;
  while (must_shift(d.low, d.range)) {
    d.code = (d.code << 8) | next_byte(d);
    d.low <<= 8;
    d.range <<= 8;
  }
}

std::size_t decoder_consumed(const Decoder& d) noexcept { return d.pos; }

bool decoder_at_clean_end(const Decoder& d, Flush rule) noexcept {
  // d.pos counts the 8 bytes under the window: pos - 8 bytes were shifted out by normalisation,
  // and the window (zeros past the end) holds what the encoder flushed.
  if (rule == Flush::full8) return d.pos == d.in.size() && d.code == d.low;
  const ShortFlush f = shortest_flush(d.low, d.range);
  return d.pos - 8 + static_cast<std::size_t>(f.bytes) == d.in.size() && d.code == f.value;
}

}  // namespace llmz::coder
