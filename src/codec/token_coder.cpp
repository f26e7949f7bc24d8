#include "codec/token_coder.h"

#include <algorithm>
#include <memory>

#include "coder/range_coder.h"

namespace llmz::codec {
namespace {

// Finds the symbol whose cumulative range holds `target` (linear scan; the table is consumed once).
std::int32_t find_symbol(std::span<const std::uint32_t> freqs, std::uint32_t target, std::uint32_t& cum) {
  std::uint32_t acc = 0;
  const std::int32_t last = static_cast<std::int32_t>(freqs.size()) - 1;
  for (std::int32_t s = 0; s < last; ++s) {
    if (target < acc + freqs[s]) {
      cum = acc;
      return s;
    }
    acc += freqs[s];
  }
  cum = acc;
  return last;
}

std::uint32_t cumulative(std::span<const std::uint32_t> freqs, std::int32_t symbol) {
  std::uint32_t acc = 0;
  for (std::int32_t s = 0; s < symbol; ++s) acc += freqs[s];
  return acc;
}

}  // namespace

std::size_t max_stream_tokens(const Engine& engine) noexcept {
  const int context = engine.model().config().context_length;
  return context > 0 ? std::min(static_cast<std::size_t>(context), kMaxTokens) : 8192;
}

Result<std::vector<std::uint32_t>> token_probabilities(Engine& engine, std::span<const std::int32_t> tokens,
                                                       const TokenProgress& progress) {
  const int vocab = engine.vocab();
  if (tokens.size() > kMaxTokens) return Error(Status::invalid_argument, "too many tokens for one stream");
  for (std::int32_t t : tokens)
    if (t < 0 || t >= vocab) return Error(Status::invalid_argument, "token id outside the vocabulary");
  // Batched prefill; a chunk's tables are dropped as soon as the chunk's tokens have taken theirs.
  std::vector<std::uint32_t> cum_freq(2 * tokens.size());
  if (tokens.empty()) return cum_freq;
  // Inputs: the context token, then every token but the last; row i predicts tokens[i].
  std::vector<std::int32_t> inputs;
  inputs.reserve(tokens.size());
  inputs.push_back(kContextToken);
  inputs.insert(inputs.end(), tokens.begin(), tokens.end() - 1);
  Sequence seq(engine.model().config(), static_cast<int>(inputs.size()));
  constexpr std::size_t kChunk = 64;
  std::vector<std::uint32_t> freqs(kChunk * static_cast<std::size_t>(vocab));
  for (std::size_t i = 0; i < inputs.size(); i += kChunk) {
    const std::size_t n = std::min(kChunk, inputs.size() - i);
    std::span<std::uint32_t> rows(freqs.data(), n * vocab);
    if (engine.prefill(seq, std::span<const std::int32_t>(inputs).subspan(i, n), rows) != Status::ok)
      return Error(Status::invalid_argument, "the engine rejected the tokens");
    for (std::size_t r = 0; r < n; ++r) {
      const std::span<const std::uint32_t> table(freqs.data() + r * vocab, static_cast<std::size_t>(vocab));
      const std::int32_t t = tokens[i + r];
      cum_freq[2 * (i + r)] = cumulative(table, t);
      cum_freq[2 * (i + r) + 1] = table[t];
    }
    if (progress) progress(Stage::probabilities, i + n, tokens.size());
  }
  return cum_freq;
}

Result<std::vector<std::uint8_t>> encode_tokens(Engine& engine, std::span<const std::int32_t> tokens, coder::Flush flush,
                                                const TokenProgress& progress) {
  const int bits = engine.cdf_bits();
  // Stage 1: every token's (cum, freq).
  auto probabilities = token_probabilities(engine, tokens, progress);
  if (!probabilities.ok()) return probabilities.error();
  const std::vector<std::uint32_t>& cum_freq = probabilities.value();
  // Stage 2: the range coder.
  std::vector<std::uint8_t> out;
  coder::Encoder enc;
  coder::encoder_init(enc, out);
  constexpr std::size_t kReportEvery = 4096;
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    coder::encode(enc, cum_freq[2 * i], cum_freq[2 * i + 1], bits);
    if (progress && ((i + 1) % kReportEvery == 0 || i + 1 == tokens.size())) progress(Stage::coding, i + 1, tokens.size());
  }
  coder::encoder_finish(enc, flush);
  return out;
}

Result<std::vector<std::int32_t>> decode_tokens(Engine& engine, std::span<const std::uint8_t> bytes, std::size_t n_tokens,
                                                coder::Flush flush, const TokenProgress& progress) {
  const CodedStream one{bytes, n_tokens};
  auto all = decode_many(engine, std::span<const CodedStream>(&one, 1), flush, progress);
  if (!all.ok()) return all.error();
  return std::move(all.value()[0]);
}

Result<std::vector<std::vector<std::int32_t>>> decode_many(Engine& engine, std::span<const CodedStream> streams,
                                                           coder::Flush flush, const TokenProgress& progress) {
  const int vocab = engine.vocab();
  const int bits = engine.cdf_bits();
  const std::size_t b = streams.size();
  std::size_t longest = 0;
  for (const CodedStream& s : streams) {
    if (s.n_tokens > kMaxTokens) return Error(Status::invalid_argument, "too many tokens for one stream");
    longest = std::max(longest, s.n_tokens);
  }
  std::vector<std::vector<std::int32_t>> out(b);
  std::vector<std::unique_ptr<Sequence>> seqs(b);
  std::vector<coder::Decoder> decoders(b);
  for (std::size_t i = 0; i < b; ++i) {
    out[i].reserve(streams[i].n_tokens);
    if (streams[i].n_tokens > 0) seqs[i] = std::make_unique<Sequence>(engine.model().config(), static_cast<int>(streams[i].n_tokens));
    coder::decoder_init(decoders[i], streams[i].bytes);
  }
  std::vector<Sequence*> active;
  std::vector<std::size_t> index;
  std::vector<std::int32_t> inputs;
  std::vector<std::uint32_t> freqs;
  for (std::size_t step = 0; step < longest; ++step) {
    active.clear();
    index.clear();
    inputs.clear();
    for (std::size_t i = 0; i < b; ++i) {
      if (step >= streams[i].n_tokens) continue;
      active.push_back(seqs[i].get());
      index.push_back(i);
      inputs.push_back(step == 0 ? kContextToken : out[i].back());
    }
    freqs.resize(active.size() * static_cast<std::size_t>(vocab));
    if (engine.step(active, inputs, freqs) != Status::ok) return Error(Status::invalid_argument, "the engine rejected a step");
    for (std::size_t a = 0; a < active.size(); ++a) {
      const std::span<const std::uint32_t> table(freqs.data() + a * vocab, static_cast<std::size_t>(vocab));
      coder::Decoder& d = decoders[index[a]];
      std::uint32_t cum = 0;
      const std::int32_t t = find_symbol(table, coder::decode_target(d, bits), cum);
      coder::decode_advance(d, cum, table[t], bits);
      out[index[a]].push_back(t);
    }
    if (progress) progress(Stage::decoding, step + 1, longest);
  }
  for (std::size_t i = 0; i < b; ++i)
    if (!coder::decoder_at_clean_end(decoders[i], flush))
      return Error(Status::corrupt_data, "a coded stream does not end where its tokens do");
  return out;
}

}  // namespace llmz::codec
