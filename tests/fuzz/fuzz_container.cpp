// libFuzzer target: the .llmz structure reader (header, frame headers, end frame, versions 1 and
// 2), the range decoder with both flush rules, and the LZMA2 frame decoder on arbitrary bytes:
// errors, never crashes, hangs or out-of-bounds reads. (Full model decoding is exercised by the
// golden and corruption tests; under the fuzzer it is too slow.)
#include <cstddef>
#include <cstdint>
#include <vector>

#include "classic/lzma_block.h"
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
  (void)llmz::coder::decoder_at_clean_end(d, llmz::coder::Flush::shortest);
  (void)llmz::coder::decoder_at_clean_end(d, llmz::coder::Flush::full8);
  // An LZMA2 frame whose original size comes from the first two bytes.
  if (size >= 2) {
    std::vector<std::uint8_t> out(1 + (data[0] | (data[1] << 8)) % 20000);
    const llmz::Error e = llmz::classic::lzma2_decompress(bytes.subspan(2), 1u << 16, out);
    if (e.ok() && out.empty()) __builtin_trap();
  }
  return 0;
}
