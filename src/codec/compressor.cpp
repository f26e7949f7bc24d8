#include "codec/compressor.h"

#include <algorithm>
#include <string>

#include "codec/fingerprint.h"
#include "codec/token_coder.h"

namespace llmz::codec {
namespace {

// Where to end a frame that starts at `begin`: at most `limit` bytes, preferably just after a
// newline, else a space, within the last eighth of the frame, else at a UTF-8 character start.
std::size_t frame_end(std::span<const std::uint8_t> in, std::size_t begin, std::size_t limit) {
  const std::size_t hard = std::min(in.size(), begin + limit);
  if (hard == in.size()) return hard;
  const std::size_t window = std::max<std::size_t>(limit / 8, 1);
  for (std::uint8_t sep : {std::uint8_t{'\n'}, std::uint8_t{' '}}) {
    for (std::size_t i = hard; i > hard - window && i > begin + 1; --i)
      if (in[i - 1] == sep) return i;
  }
  for (std::size_t i = hard; i > hard - std::min<std::size_t>(4, hard - begin - 1); --i)
    if ((in[i] & 0xC0) != 0x80) return i;
  return hard;
}

// More than 1% NUL bytes or bytes outside valid UTF-8: the model cannot help.
bool looks_like_text(std::span<const std::uint8_t> s) {
  std::size_t bad = 0;
  for (std::size_t i = 0; i < s.size();) {
    const std::uint8_t b = s[i];
    int len = b < 0x80 ? 1 : (b & 0xE0) == 0xC0 ? 2 : (b & 0xF0) == 0xE0 ? 3 : (b & 0xF8) == 0xF0 ? 4 : 0;
    bool ok = len > 0 && b != 0 && i + static_cast<std::size_t>(len) <= s.size();
    for (int k = 1; ok && k < len; ++k) ok = (s[i + k] & 0xC0) == 0x80;
    if (ok && len == 2) ok = b >= 0xC2;
    if (!ok) {
      ++bad;
      len = 1;
    }
    i += static_cast<std::size_t>(len);
  }
  return bad * 100 <= s.size();
}

}  // namespace

std::string fingerprint_hex(const container::Fingerprint& fp) {
  static const char* digits = "0123456789abcdef";
  std::string s;
  for (std::uint8_t b : fp) {
    s.push_back(digits[b >> 4]);
    s.push_back(digits[b & 15]);
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

Result<std::vector<std::uint8_t>> Compressor::compress(std::span<const std::uint8_t> input, const CompressOptions& options) {
  if (options.frame_size == 0 || options.frame_size > container::kMaxFrameSize)
    return Error(Status::invalid_argument, "frame size must be in [1, 2^26]");
  std::vector<std::uint8_t> out;
  container::Header header;
  header.cdf_bits = engine_->cdf_bits();
  header.frame_size = options.frame_size;
  header.model = fingerprint_;
  container::write_header(out, header);
  std::vector<std::int32_t> tokens;
  for (std::size_t begin = 0; begin < input.size();) {
    const std::size_t end = frame_end(input, begin, options.frame_size);
    const std::span<const std::uint8_t> frame = input.subspan(begin, end - begin);
    container::FrameHeader fh;
    fh.original_size = frame.size();
    fh.check = container::checksum32(frame);
    std::vector<std::uint8_t> payload;
    if (looks_like_text(frame)) {
      tokens.clear();
      tokenizer_.encode_append(frame, tokens);
      auto coded = encode_tokens(*engine_, tokens);
      if (!coded.ok()) return coded.error();
      if (coded.value().size() < frame.size()) {
        fh.method = container::Method::model;
        fh.token_count = tokens.size();
        payload = std::move(coded).value();
      }
    }
    if (fh.method == container::Method::stored) payload.assign(frame.begin(), frame.end());
    fh.payload_size = payload.size();
    container::write_frame_header(out, fh);
    out.insert(out.end(), payload.begin(), payload.end());
    begin = end;
    if (options.progress) options.progress(end, input.size());
  }
  container::write_end(out, {input.size(), container::checksum64(input)});
  return out;
}

namespace {

struct ParsedFrame {
  container::FrameHeader header;
  std::span<const std::uint8_t> payload;
};

// Reads and checks the rest of the structure after the header (every frame header, the end
// frame) without decoding.
Error parse_frames(container::Cursor& in, const container::Header& header, std::vector<ParsedFrame>& frames,
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
    frames.push_back(f);
  }
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
  if (Error e = parse_frames(in, info.header, frames, end)) return e;
  info.original_size = end.total_size;
  info.compressed_size = file.size();
  for (const ParsedFrame& f : frames) {
    if (f.header.method == container::Method::model) {
      ++info.model_frames;
      info.tokens += f.header.token_count;
    } else {
      ++info.stored_frames;
    }
  }
  return info;
}

Result<std::vector<std::uint8_t>> Compressor::decompress(std::span<const std::uint8_t> file, int batch,
                                                         const Progress& progress) {
  container::Cursor in(file);
  auto header = container::read_header(in, engine_->vocab());
  if (!header.ok()) return header.error();
  if (header.value().model != fingerprint_)
    return Error(Status::wrong_model, "made with another model (fingerprint " + fingerprint_hex(header.value().model) +
                                          "; this model is " + fingerprint_hex(fingerprint_) + ")");
  if (header.value().cdf_bits != engine_->cdf_bits())
    return Error(Status::corrupt_data, "cdf_bits " + std::to_string(header.value().cdf_bits) + " differs from the engine's");
  // First pass: read and check every frame header, so no decoding starts on a damaged file.
  std::vector<ParsedFrame> frames;
  container::EndFrame end;
  if (Error e = parse_frames(in, header.value(), frames, end)) return e;
  const std::uint64_t total = end.total_size;
  std::vector<std::uint8_t> out;
  out.reserve(total);
  const std::size_t group = static_cast<std::size_t>(std::max(batch, 1));
  std::vector<CodedStream> streams;
  for (std::size_t first = 0; first < frames.size();) {
    // The next run of frames with up to `group` model frames, decoded together.
    std::size_t last = first;
    streams.clear();
    while (last < frames.size() && streams.size() < group) {
      if (frames[last].header.method == container::Method::model) {
        streams.push_back({frames[last].payload, frames[last].header.token_count});
      }
      ++last;
    }
    std::vector<std::vector<std::int32_t>> decoded;
    if (!streams.empty()) {
      auto d = decode_many(*engine_, streams);
      if (!d.ok()) return d.error();
      decoded = std::move(d).value();
    }
    std::size_t next_model = 0;
    for (std::size_t i = first; i < last; ++i) {
      const std::size_t start = out.size();
      if (frames[i].header.method == container::Method::stored) {
        out.insert(out.end(), frames[i].payload.begin(), frames[i].payload.end());
      } else {
        const std::string text = tokenizer_.decode(decoded[next_model++]);
        out.insert(out.end(), text.begin(), text.end());
      }
      const std::span<const std::uint8_t> got(out.data() + start, out.size() - start);
      if (got.size() != frames[i].header.original_size || container::checksum32(got) != frames[i].header.check)
        return Error(Status::checksum_mismatch, "frame " + std::to_string(i) + " is damaged");
    }
    first = last;
    if (progress) progress(out.size(), total);
  }
  if (container::checksum64(out) != end.check) return Error(Status::checksum_mismatch, "the content checksum does not match");
  return out;
}

}  // namespace llmz::codec
