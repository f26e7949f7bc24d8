#include "classic/lzma_block.h"

#include <lzma.h>

#include <string>

namespace llmz::classic {
namespace {

// lzma_stream owns allocations until lzma_end; this guard ends it on every path.
struct StreamGuard {
  lzma_stream s = LZMA_STREAM_INIT;
  ~StreamGuard() { lzma_end(&s); }
};

Status status_of(lzma_ret r) { return r == LZMA_MEM_ERROR ? Status::out_of_memory : Status::corrupt_data; }

// Starts a raw LZMA2 encoder or decoder with the format's settings (lzma_block.h).
Error start(lzma_stream& s, std::uint32_t dict_size, bool encoder) {
  if (dict_size < kMinDictSize || dict_size > (1u << 30)) return Error(Status::invalid_argument, "LZMA2 dictionary size out of range");
  lzma_options_lzma options;
  if (lzma_lzma_preset(&options, 9 | LZMA_PRESET_EXTREME)) return Error(Status::invalid_argument, "LZMA2 preset unavailable");
  options.dict_size = dict_size;
  const lzma_filter filters[2] = {{LZMA_FILTER_LZMA2, &options}, {LZMA_VLI_UNKNOWN, nullptr}};
  const lzma_ret r = encoder ? lzma_raw_encoder(&s, filters) : lzma_raw_decoder(&s, filters);
  if (r != LZMA_OK) return Error(status_of(r), encoder ? "cannot start the LZMA2 encoder" : "cannot start the LZMA2 decoder");
  return Error();
}

}  // namespace

Result<std::vector<std::uint8_t>> lzma2_compress(std::span<const std::uint8_t> in, std::uint32_t dict_size) {
  StreamGuard g;
  if (Error e = start(g.s, dict_size, true)) return e;
  // LZMA2 never expands by more than a few bytes per 64 KiB chunk.
  std::vector<std::uint8_t> out(in.size() + in.size() / 1024 + 64);
  g.s.next_in = in.data();
  g.s.avail_in = in.size();
  g.s.next_out = out.data();
  g.s.avail_out = out.size();
  const lzma_ret r = lzma_code(&g.s, LZMA_FINISH);
  if (r != LZMA_STREAM_END) return Error(status_of(r), "LZMA2 encoding failed (" + std::to_string(static_cast<int>(r)) + ")");
  out.resize(out.size() - g.s.avail_out);
  return out;
}

Error lzma2_decompress(std::span<const std::uint8_t> payload, std::uint32_t dict_size, std::span<std::uint8_t> out) {
  StreamGuard g;
  if (Error e = start(g.s, dict_size, false)) return e;
  g.s.next_in = payload.data();
  g.s.avail_in = payload.size();
  g.s.next_out = out.data();
  g.s.avail_out = out.size();
  lzma_ret r = lzma_code(&g.s, LZMA_FINISH);
  if (r == LZMA_OK && g.s.avail_out == 0) {
    // Output full: the stream must end right here, with no input left over.
    std::uint8_t extra = 0;
    g.s.next_out = &extra;
    g.s.avail_out = 1;
    r = lzma_code(&g.s, LZMA_FINISH);
    if (g.s.avail_out == 0) return Error(Status::corrupt_data, "an LZMA2 frame holds more than its size");
  }
  if (r != LZMA_STREAM_END) return Error(status_of(r), "an LZMA2 frame is damaged");
  if (g.s.avail_out != 0) return Error(Status::corrupt_data, "an LZMA2 frame holds less than its size");
  if (g.s.avail_in != 0) return Error(Status::corrupt_data, "an LZMA2 frame has bytes after its end");
  return Error();
}

}  // namespace llmz::classic
