#include <algorithm>

#include "tokenizer/unicode_tables.h"

namespace llmz::unicode {
namespace {

bool in_ranges(const CodepointRange* ranges, std::size_t n, std::uint32_t cp) noexcept {
  const CodepointRange* end = ranges + n;
  const CodepointRange* it = std::upper_bound(ranges, end, cp, [](std::uint32_t v, const CodepointRange& r) { return v < r.first; });
  return it != ranges && cp <= (it - 1)->last;
}

}  // namespace

bool is_letter(std::uint32_t cp) noexcept {
  if (cp < 0x80) return (cp | 0x20) >= 'a' && (cp | 0x20) <= 'z';
  return in_ranges(kLetterRanges, kLetterRanges_size, cp);
}

bool is_number(std::uint32_t cp) noexcept {
  if (cp < 0x80) return cp >= '0' && cp <= '9';
  return in_ranges(kNumberRanges, kNumberRanges_size, cp);
}

bool is_split_digit(std::uint32_t cp) noexcept {
  if (cp < 0x80) return cp >= '0' && cp <= '9';
  return in_ranges(kNumericRanges, kNumericRanges_size, cp);
}

bool is_whitespace(std::uint32_t cp) noexcept {
  // The Unicode White_Space property (stable since Unicode 6.3).
  if (cp <= 0x20) return cp == 0x20 || (cp >= 0x09 && cp <= 0x0D);
  switch (cp) {
    case 0x85: case 0xA0: case 0x1680: case 0x2028: case 0x2029: case 0x202F: case 0x205F: case 0x3000:
      return true;
    default:
      return cp >= 0x2000 && cp <= 0x200A;
  }
}

}  // namespace llmz::unicode
