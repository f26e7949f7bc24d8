// libFuzzer target: the .llmz structure reader (header, frame headers, end frame) and the range
// decoder on arbitrary bytes: errors, never crashes, hangs or out-of-bounds reads. (Full model
// decoding is exercised by the golden and corruption tests; under the fuzzer it is too slow.)
#include <cstddef>
#include <cstdint>
#include <vector>

#include "codec/compressor.h"
#include "coder/range_coder.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> bytes(data, size);
  auto info = llmz::codec::inspect_file(bytes);
  if (info.ok() && info.value().compressed_size != size) __builtin_trap();
  // The range decoder over a skewed fixed table: every target must map to a symbol.
  static const std::vector<std::uint32_t> table = [] {
    std::vector<std::uint32_t> t(300, 1);
    t[7] = (1u << 20) - 299;
    return t;
  }();
  llmz::coder::Decoder d;
  llmz::coder::decoder_init(d, bytes);
  for (int i = 0; i < 200; ++i) {
    const std::uint32_t target = llmz::coder::decode_target(d, 20);
    if (target >= (1u << 20)) __builtin_trap();
    std::uint32_t cum = 0;
    std::size_t s = 0;
    while (cum + table[s] <= target) cum += table[s++];
    llmz::coder::decode_advance(d, cum, table[s], 20);
  }
  (void)llmz::coder::decoder_at_clean_end(d);
  return 0;
}
