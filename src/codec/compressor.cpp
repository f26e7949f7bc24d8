#include "codec/compressor.h"

#include <algorithm>
#include <string>

#include "classic/lzma_block.h"
#include "codec/fingerprint.h"
#include "codec/token_coder.h"

namespace llmz::codec {
namespace {

// Where to end a frame that starts at `begin` of `window`: at most `limit` bytes, preferably
// just after a newline, else a space, within the last eighth of the frame, else at a UTF-8
// character start. Callers guarantee window.size() > begin + limit unless `at_eof`.
std::size_t frame_end(std::span<const std::uint8_t> window, std::size_t begin, std::size_t limit, bool at_eof) {
  const std::size_t hard = std::min(window.size(), begin + limit);
  if (hard == window.size() && at_eof) return hard;
  const std::size_t span = hard - begin;
  const std::size_t look = std::min(std::max<std::size_t>(limit / 8, 1), span - 1);
  for (std::uint8_t sep : {std::uint8_t{'\n'}, std::uint8_t{' '}}) {
    for (std::size_t i = hard; i > hard - look; --i)
      if (window[i - 1] == sep) return i;
  }
  for (std::size_t i = hard; i > hard - std::min<std::size_t>(4, span - 1); --i)
    if ((window[i] & 0xC0) != 0x80) return i;
  return hard;
}

// Where the bytes the model cannot help (NUL, or not part of valid UTF-8) lie in a span.
struct TextScan {
  std::size_t bad = 0;        // how many
  std::size_t first_bad = 0;  // index of the first (size when none)
  std::size_t after_last_bad = 0;  // index just past the last (0 when none)
};
TextScan scan_text(std::span<const std::uint8_t> s) {
  TextScan t;
  t.first_bad = s.size();
  for (std::size_t i = 0; i < s.size();) {
    const std::uint8_t b = s[i];
    int len = b < 0x80 ? 1 : (b & 0xE0) == 0xC0 ? 2 : (b & 0xF0) == 0xE0 ? 3 : (b & 0xF8) == 0xF0 ? 4 : 0;
    bool ok = len > 0 && b != 0 && i + static_cast<std::size_t>(len) <= s.size();
    for (int k = 1; ok && k < len; ++k) ok = (s[i + k] & 0xC0) == 0x80;
    if (ok && len == 2) ok = b >= 0xC2;
    if (!ok) {
      if (t.bad++ == 0) t.first_bad = i;
      t.after_last_bad = i + 1;
      len = 1;
    }
    i += static_cast<std::size_t>(len);
  }
  return t;
}

// Text: at most 1% of the bytes are bad.
bool is_text(const TextScan& t, std::size_t size) { return t.bad * 100 <= size; }

// A clean stretch of text at least this long between binary data gets a model frame of its own.
constexpr std::size_t kMinTextRun = 256;

struct Segment {
  std::size_t size;
  bool text;
};

// The next frame at the start of `window` (which holds block_size + 1 bytes, or fewer when the
// input ends inside it: at_eof). Text: one frame of at most frame_size bytes, cut before binary
// data that follows it. Otherwise the run of frame-sized pieces that do not look like text, up
// to block_size bytes, cut where clean text starts.
Segment next_segment(std::span<const std::uint8_t> window, bool at_eof, std::size_t frame_size, std::size_t block_size) {
  const std::size_t first = frame_end(window, 0, frame_size, at_eof);
  const TextScan head = scan_text(window.first(first));
  if (is_text(head, first)) return {first, true};
  if (head.first_bad >= kMinTextRun) return {head.first_bad, true};
  if (first - head.after_last_bad >= kMinTextRun) return {head.after_last_bad, false};
  std::size_t end = first;
  while (end < window.size()) {
    if (!at_eof && end + frame_size >= window.size()) break;
    const std::size_t next = frame_end(window, end, frame_size, at_eof);
    if (next > block_size) break;
    const TextScan piece = scan_text(window.subspan(end, next - end));
    if (is_text(piece, next - end)) break;
    if (next - end - piece.after_last_bad >= kMinTextRun) return {end + piece.after_last_bad, false};
    end = next;
  }
  return {end, false};
}

// The LZMA2 dictionary both sides use for a file with this block size (docs/FORMAT.md).
std::uint32_t classic_dict_size(std::uint32_t block_size) { return std::max(block_size, classic::kMinDictSize); }

container::Header header_for(Compressor& c, const CompressOptions& o) {
  container::Header h;
  h.cdf_bits = c.engine().cdf_bits();
  h.frame_size = o.frame_size;
  h.block_size = o.block_size;
  h.model = c.fingerprint();
  return h;
}

}  // namespace

std::string fingerprint_hex(const container::Fingerprint& fp, std::size_t bytes) {
  static const char* digits = "0123456789abcdef";
  std::string s;
  for (std::size_t i = 0; i < std::min(bytes, fp.size()); ++i) {
    s.push_back(digits[fp[i] >> 4]);
    s.push_back(digits[fp[i] & 15]);
  }
  return s;
}

Result<std::unique_ptr<Compressor>> Compressor::create(const Model& model, const Tokenizer& tokenizer,
                                                       const EngineOptions& engine_options) {
  if (tokenizer.vocab_size() > model.config().vocab)
    return Error(Status::unsupported_model, "the tokenizer has more tokens than the model predicts");
  auto engine = Engine::create(model, engine_options);
  if (!engine.ok()) return engine.error();
  return std::unique_ptr<Compressor>(new Compressor(tokenizer, std::move(engine).value(), model_fingerprint(model.gguf())));
}

// ---- compression ----

Result<std::unique_ptr<StreamCompressor>> StreamCompressor::create(Compressor& compressor, const CompressOptions& options) {
  if (options.frame_size == 0 || options.frame_size > container::kMaxFrameSize)
    return Error(Status::invalid_argument, "frame size must be in [1, 2^26]");
  if (options.block_size < options.frame_size || options.block_size > container::kMaxFrameSize)
    return Error(Status::invalid_argument, "block size must be in [frame size, 2^26]");
  return std::unique_ptr<StreamCompressor>(new StreamCompressor(compressor, options));
}

// `tokens_` holds the frame's tokens when `text`.
Error StreamCompressor::code_frame(std::span<const std::uint8_t> frame, bool text, std::vector<std::uint8_t>& out) {
  container::FrameHeader fh;
  fh.original_size = frame.size();
  fh.check = container::checksum32(frame);
  std::vector<std::uint8_t> payload;
  if (text) {
    auto coded = encode_tokens(compressor_.engine(), tokens_);
    if (!coded.ok()) return coded.error();
    if (coded.value().size() < frame.size()) {
      fh.method = container::Method::model;
      fh.token_count = tokens_.size();
      payload = std::move(coded).value();
    }
  }
  if (fh.method == container::Method::stored) {
    auto packed = classic::lzma2_compress(frame, classic_dict_size(options_.block_size));
    if (!packed.ok()) return packed.error();
    if (!packed.value().empty() && packed.value().size() < frame.size()) {
      fh.method = container::Method::classic;
      payload = std::move(packed).value();
    }
  }
  if (fh.method == container::Method::stored) payload.assign(frame.begin(), frame.end());
  fh.payload_size = payload.size();
  container::write_frame_header(out, fh);
  out.insert(out.end(), payload.begin(), payload.end());
  return Error();
}

Error StreamCompressor::code_ready_frames(bool at_eof, std::vector<std::uint8_t>& out) {
  if (!header_written_) {
    container::write_header(out, header_for(compressor_, options_));
    header_written_ = true;
  }
  const std::size_t lookahead = static_cast<std::size_t>(options_.block_size) + 1;
  for (;;) {
    const std::size_t available = pending_.size() - pending_head_;
    if (available == 0 || (!at_eof && available < lookahead)) break;
    const std::span<const std::uint8_t> window(pending_.data() + pending_head_, std::min(available, lookahead));
    const bool window_ends_input = at_eof && available <= lookahead;
    Segment seg = next_segment(window, window_ends_input, options_.frame_size, options_.block_size);
    if (seg.text) {
      // A frame must fit the model's context: cut text that tokenizes longer (escaped bytes,
      // scripts with few bytes per token, large --frame-size) shorter, in proportion.
      const std::size_t context = max_stream_tokens(compressor_.engine());
      const std::size_t max_tokens = options_.max_frame_tokens == 0 ? context : std::min<std::size_t>(context, options_.max_frame_tokens);
      for (;;) {
        tokens_.clear();
        compressor_.tokenizer().encode_append(window.first(seg.size), tokens_);
        if (tokens_.size() <= max_tokens) break;
        const std::size_t limit = std::max<std::size_t>(1, seg.size * max_tokens / tokens_.size() * 7 / 8);
        seg.size = frame_end(window, 0, limit, window_ends_input);
      }
    }
    const std::span<const std::uint8_t> frame = window.first(seg.size);
    if (Error e = code_frame(frame, seg.text, out)) return e;
    content_check_.update(frame);
    pending_head_ += seg.size;
    consumed_ += seg.size;
    if (options_.progress) options_.progress(consumed_, 0);
  }
  // Keep the buffer from growing: drop what was coded once it is the larger part.
  if (pending_head_ > 0 && pending_head_ >= pending_.size() / 2) {
    pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(pending_head_));
    pending_head_ = 0;
  }
  return Error();
}

Error StreamCompressor::write(std::span<const std::uint8_t> input, std::vector<std::uint8_t>& out) {
  if (failed_) return failed_;
  if (finished_) return Error(Status::invalid_argument, "write after finish");
  // Take the input in block-sized steps so the buffer stays near two blocks whatever the call.
  const std::size_t step = static_cast<std::size_t>(options_.block_size) + 1;
  for (std::size_t i = 0; i < input.size(); i += step) {
    const auto piece = input.subspan(i, std::min(step, input.size() - i));
    pending_.insert(pending_.end(), piece.begin(), piece.end());
    if (Error e = code_ready_frames(false, out)) return failed_ = e;
  }
  return Error();
}

Error StreamCompressor::finish(std::vector<std::uint8_t>& out) {
  if (failed_) return failed_;
  if (finished_) return Error(Status::invalid_argument, "finish called twice");
  if (Error e = code_ready_frames(true, out)) return failed_ = e;
  container::write_end(out, {consumed_, content_check_.digest()});
  finished_ = true;
  return Error();
}

Result<std::vector<std::uint8_t>> Compressor::compress(std::span<const std::uint8_t> input, const CompressOptions& options) {
  CompressOptions o = options;
  if (options.progress) o.progress = [&](std::uint64_t done, std::uint64_t) { options.progress(done, input.size()); };
  auto stream = StreamCompressor::create(*this, o);
  if (!stream.ok()) return stream.error();
  std::vector<std::uint8_t> out;
  if (Error e = stream.value()->write(input, out)) return e;
  if (Error e = stream.value()->finish(out)) return e;
  return out;
}

// ---- decompression ----

namespace {

Error check_header_for(const container::Header& h, Compressor& c) {
  if (!container::fingerprint_matches(h, c.fingerprint())) {
    const std::size_t n = container::fingerprint_size(h);
    return Error(Status::wrong_model, "made with another model (fingerprint " + fingerprint_hex(h.model, n) +
                                          "; this model is " + fingerprint_hex(c.fingerprint(), n) + ")");
  }
  if (h.cdf_bits != c.engine().cdf_bits())
    return Error(Status::corrupt_data, "cdf_bits " + std::to_string(h.cdf_bits) + " differs from the engine's");
  return Error();
}

struct ParsedFrame {
  container::FrameHeader header;
  std::span<const std::uint8_t> payload;
};

// Reads and checks the rest of the structure after the header (every frame header, the end
// frame, nothing after it) without decoding. `frames` may be null.
Error parse_frames(container::Cursor& in, const container::Header& header, std::vector<ParsedFrame>* frames,
                   container::EndFrame& end) {
  std::uint64_t total = 0;
  for (;;) {
    ParsedFrame f;
    if (Error e = container::read_frame_header(in, header, f.header)) return e;
    if (f.header.method == container::Method::end) {
      if (Error e = container::read_end(in, end)) return e;
      break;
    }
    (void)in.take(f.header.payload_size, f.payload);  // bounded by read_frame_header
    total += f.header.original_size;
    if (frames != nullptr) frames->push_back(f);
  }
  if (in.remaining() != 0) return Error(Status::corrupt_data, "data after the end frame");
  if (end.total_size != total) return Error(Status::corrupt_data, "the frames' sizes do not add up to the total");
  return Error();
}

}  // namespace

Result<FileInfo> inspect_file(std::span<const std::uint8_t> file) {
  FileInfo info;
  std::vector<ParsedFrame> frames;
  container::EndFrame end;
  container::Cursor in(file);
  // The vocabulary is unknown without a model: accept any cdf_bits the format allows.
  auto header = container::read_header(in, 1);
  if (!header.ok()) return header.error();
  info.header = header.value();
  if (Error e = parse_frames(in, info.header, &frames, end)) return e;
  info.original_size = end.total_size;
  info.compressed_size = file.size();
  for (const ParsedFrame& f : frames) {
    switch (f.header.method) {
      case container::Method::model:
        ++info.model_frames;
        info.tokens += f.header.token_count;
        break;
      case container::Method::classic:
        ++info.classic_frames;
        break;
      default:
        ++info.stored_frames;
    }
  }
  return info;
}

Error StreamDecompressor::decode_queue(std::vector<std::uint8_t>& out) {
  if (queue_.empty()) return Error();
  const container::Header& h = *header_;
  std::vector<CodedStream> streams;
  for (const Queued& q : queue_)
    if (q.header.method == container::Method::model) streams.push_back({q.payload, q.header.token_count});
  std::vector<std::vector<std::int32_t>> decoded;
  if (!streams.empty()) {
    auto d = decode_many(compressor_.engine(), streams, h.version == 1 ? coder::Flush::full8 : coder::Flush::shortest);
    if (!d.ok()) return d.error();
    decoded = std::move(d).value();
  }
  std::size_t next_model = 0;
  for (const Queued& q : queue_) {
    const std::size_t start = out.size();
    const std::uint64_t frame = frames_done_++;
    switch (q.header.method) {
      case container::Method::stored:
        out.insert(out.end(), q.payload.begin(), q.payload.end());
        break;
      case container::Method::classic: {
        out.resize(start + q.header.original_size);
        const std::span<std::uint8_t> dest(out.data() + start, q.header.original_size);
        if (Error e = classic::lzma2_decompress(q.payload, classic_dict_size(h.block_size), dest))
          return Error(e.status, "frame " + std::to_string(frame) + ": " + e.detail);
        break;
      }
      default: {
        const std::string text = compressor_.tokenizer().decode(decoded[next_model++]);
        out.insert(out.end(), text.begin(), text.end());
      }
    }
    const std::span<const std::uint8_t> got(out.data() + start, out.size() - start);
    if (got.size() != q.header.original_size || container::checksum32(got) != q.header.check)
      return Error(Status::checksum_mismatch, "frame " + std::to_string(frame) + " is damaged");
    content_check_.update(got);
    total_ += got.size();
  }
  queue_.clear();
  queued_model_ = 0;
  queued_bytes_ = 0;
  if (progress_) progress_(consumed_, 0);
  return Error();
}

Error StreamDecompressor::parse(std::vector<std::uint8_t>& out) {
  for (;;) {
    const std::span<const std::uint8_t> avail(pending_.data() + pending_head_, pending_.size() - pending_head_);
    container::Cursor in(avail);
    if (ended_) {
      if (!avail.empty()) return Error(Status::corrupt_data, "data after the end frame");
      return Error();
    }
    if (!header_) {
      auto h = container::read_header(in, compressor_.engine().vocab());
      if (!h.ok()) return h.error().status == Status::truncated ? Error() : h.error();
      if (Error e = check_header_for(h.value(), compressor_)) return e;
      header_ = h.value();
    } else {
      container::FrameHeader fh;
      if (Error e = container::read_frame_header(in, *header_, fh)) return e.status == Status::truncated ? Error() : e;
      if (fh.method == container::Method::end) {
        container::EndFrame end;
        if (Error e = container::read_end(in, end)) return e.status == Status::truncated ? Error() : e;
        consumed_ += in.position();
        pending_head_ += in.position();
        if (Error e = decode_queue(out)) return e;
        if (end.total_size != total_) return Error(Status::corrupt_data, "the frames' sizes do not add up to the total");
        if (end.check != content_check_.digest()) return Error(Status::checksum_mismatch, "the content checksum does not match");
        ended_ = true;
        continue;
      }
      if (fh.method == container::Method::model && fh.token_count > max_stream_tokens(compressor_.engine()))
        return Error(Status::corrupt_data, "a frame holds more tokens than the model's context");
      std::span<const std::uint8_t> payload;
      (void)in.take(fh.payload_size, payload);  // present: read_frame_header checked
      queue_.push_back({fh, std::vector<std::uint8_t>(payload.begin(), payload.end())});
      queued_model_ += fh.method == container::Method::model ? 1 : 0;
      queued_bytes_ += fh.original_size;
    }
    consumed_ += in.position();
    pending_head_ += in.position();
    if (queued_model_ >= batch_ || queued_bytes_ >= 4 * static_cast<std::uint64_t>(header_->block_size))
      if (Error e = decode_queue(out)) return e;
  }
}

Error StreamDecompressor::write(std::span<const std::uint8_t> input, std::vector<std::uint8_t>& out) {
  if (failed_) return failed_;
  pending_.insert(pending_.end(), input.begin(), input.end());
  if (Error e = parse(out)) return fail(e);
  if (pending_head_ > 0 && pending_head_ >= pending_.size() / 2) {
    pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(pending_head_));
    pending_head_ = 0;
  }
  return Error();
}

Error StreamDecompressor::finish(std::vector<std::uint8_t>& out) {
  if (failed_) return failed_;
  (void)out;  // everything decodable was handed out by write()
  if (ended_) return Error();
  if (!header_) return fail(Error(Status::truncated, pending_.empty() ? "the file is empty" : "file ends inside the header"));
  return fail(Error(Status::truncated, "file ends before its end frame"));
}

Result<std::vector<std::uint8_t>> Compressor::decompress(std::span<const std::uint8_t> file, int batch,
                                                         const Progress& progress) {
  // First pass: read and check the whole structure, so no decoding starts on a damaged file.
  container::Cursor in(file);
  auto header = container::read_header(in, engine_->vocab());
  if (!header.ok()) return header.error();
  if (Error e = check_header_for(header.value(), *this)) return e;
  container::EndFrame end;
  if (Error e = parse_frames(in, header.value(), nullptr, end)) return e;
  std::vector<std::uint8_t> out;
  // The total is checked against the frames, but frames may claim far more than the file holds.
  out.reserve(std::min<std::uint64_t>(end.total_size, 16 * static_cast<std::uint64_t>(file.size()) + (1u << 20)));
  Progress p;
  if (progress) p = [&](std::uint64_t done, std::uint64_t) { progress(done, file.size()); };
  StreamDecompressor stream(*this, batch, p);
  if (Error e = stream.write(file, out)) return e;
  if (Error e = stream.finish(out)) return e;
  return out;
}

}  // namespace llmz::codec
