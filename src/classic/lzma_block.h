// Classic codec for frames the model does not help (binary data, non-UTF-8 text): a raw LZMA2
// stream (no .xz container, so no per-frame overhead beyond LZMA2's own), as docs/FORMAT.md
// method 3 specifies.
//
// Contract:
//  - lzma2_compress(in, dict_size) codes `in` with LZMA2 preset 9 "extreme" and the given
//    dictionary size (>= 4096; the container passes max(block size, 4096)). The bytes depend on
//    the liblzma version; every version decodes them.
//  - lzma2_decompress(payload, dict_size, out) fills `out` exactly: the stream must end where
//    the payload ends and produce out.size() bytes, else corrupt_data. Never writes past `out`.
// Errors: corrupt_data, out_of_memory, invalid_argument (dict_size out of range).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "common/result.h"

namespace llmz::classic {

inline constexpr std::uint32_t kMinDictSize = 4096;

Result<std::vector<std::uint8_t>> lzma2_compress(std::span<const std::uint8_t> in, std::uint32_t dict_size);
Error lzma2_decompress(std::span<const std::uint8_t> payload, std::uint32_t dict_size, std::span<std::uint8_t> out);

}  // namespace llmz::classic
