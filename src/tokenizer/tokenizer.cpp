#include "tokenizer/tokenizer.h"

#include <algorithm>
#include <unordered_map>

#include "tokenizer/unicode_tables.h"

namespace llmz {
namespace {

// GPT-2's reversible byte <-> printable code point map: bytes 33..126, 161..172 and 174..255 map
// to themselves, the other 68 to 256, 257, ... in byte order.
struct ByteAlphabet {
  std::uint32_t byte_to_cp[256];
  std::int16_t cp_to_byte[512];
  ByteAlphabet() {
    std::fill(std::begin(cp_to_byte), std::end(cp_to_byte), std::int16_t{-1});
    std::uint32_t next = 256;
    for (int b = 0; b < 256; ++b) {
      const bool printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174);
      byte_to_cp[b] = printable ? static_cast<std::uint32_t>(b) : next++;
      cp_to_byte[byte_to_cp[b]] = static_cast<std::int16_t>(b);
    }
  }
};
const ByteAlphabet& alphabet() {
  static const ByteAlphabet a;
  return a;
}

// Decodes one UTF-8 character at s[i]; returns its length and code point, or length 1 and
// kInvalid for a byte that does not start a valid, shortest-form, non-surrogate sequence.
constexpr std::uint32_t kInvalid = 0xFFFFFFFFu;
inline int decode_utf8(const std::uint8_t* s, std::size_t n, std::size_t i, std::uint32_t& cp) {
  const std::uint8_t b0 = s[i];
  if (b0 < 0x80) {
    cp = b0;
    return 1;
  }
  int len = 0;
  std::uint32_t min = 0;
  if ((b0 & 0xE0) == 0xC0) { len = 2; cp = b0 & 0x1Fu; min = 0x80; }
  else if ((b0 & 0xF0) == 0xE0) { len = 3; cp = b0 & 0x0Fu; min = 0x800; }
  else if ((b0 & 0xF8) == 0xF0) { len = 4; cp = b0 & 0x07u; min = 0x10000; }
  else { cp = kInvalid; return 1; }
  if (i + static_cast<std::size_t>(len) > n) { cp = kInvalid; return 1; }
  for (int k = 1; k < len; ++k) {
    const std::uint8_t b = s[i + k];
    if ((b & 0xC0) != 0x80) { cp = kInvalid; return 1; }
    cp = (cp << 6) | (b & 0x3Fu);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) { cp = kInvalid; return 1; }
  return len;
}

enum class CharClass : std::uint8_t { letter, number, space, other };

struct Char {
  std::uint32_t cp;
  std::uint32_t offset;  // byte offset in the input
  CharClass cls;         // as the GPT-2 regex sees it
  bool split_digit;      // a pre-token of its own (Digits pre-tokenizer)
};

CharClass classify(std::uint32_t cp) {
  if (cp == kInvalid) return CharClass::other;
  if (unicode::is_letter(cp)) return CharClass::letter;
  if (unicode::is_number(cp)) return CharClass::number;
  if (unicode::is_whitespace(cp)) return CharClass::space;
  return CharClass::other;
}

// The GPT-2 pattern  's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
// at chars[i] within [i, end): returns the end of the match (always > i).
std::size_t match_gpt2(const std::vector<Char>& c, std::size_t i, std::size_t end) {
  auto run = [&](std::size_t j, CharClass cls) {
    while (j < end && c[j].cls == cls) ++j;
    return j;
  };
  const std::uint32_t cp = c[i].cp;
  if (cp == '\'' && i + 1 < end) {
    const std::uint32_t a = c[i + 1].cp;
    if (a == 's' || a == 't' || a == 'm' || a == 'd') return i + 2;
    if (i + 2 < end) {
      const std::uint32_t b = c[i + 2].cp;
      if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l')) return i + 3;
    }
  }
  const CharClass cls = c[i].cls;
  if (cls == CharClass::letter || cls == CharClass::number || cls == CharClass::other) return run(i, cls);
  // Whitespace.
  if (cp == ' ' && i + 1 < end && c[i + 1].cls != CharClass::space) return run(i + 1, c[i + 1].cls);
  const std::size_t j = run(i, CharClass::space);
  if (j == end) return j;          // \s+ up to the end
  if (j - i >= 2) return j - 1;    // \s+(?!\S): leave the last space to the next word
  return j;                        // \s+
}

// Calls piece(offset, length) for each pre-token of bytes, in order; the pieces tile the input.
// Digit splitting first (each numeric character alone), then the GPT-2 pattern inside each
// stretch between them, as the reference's Sequence([Digits, ByteLevel]) does.
template <typename OnPiece>
void for_each_pre_token_in_chunk(std::span<const std::uint8_t> bytes, std::uint64_t chunk_offset, bool split_digits,
                                 std::vector<Char>& chars, OnPiece& piece) {
  chars.clear();
  chars.reserve(bytes.size());
  for (std::size_t i = 0; i < bytes.size();) {
    std::uint32_t cp = 0;
    const int len = decode_utf8(bytes.data(), bytes.size(), i, cp);
    const bool split = split_digits && cp != kInvalid && unicode::is_split_digit(cp);
    chars.push_back({cp, static_cast<std::uint32_t>(i), classify(cp), split});
    i += static_cast<std::size_t>(len);
  }
  const auto byte_at = [&](std::size_t ci) {
    return ci < chars.size() ? chars[ci].offset : static_cast<std::uint32_t>(bytes.size());
  };
  std::size_t i = 0;
  while (i < chars.size()) {
    std::size_t end = i + 1;
    if (!chars[i].split_digit) {
      while (end < chars.size() && !chars[end].split_digit) ++end;
    }
    for (std::size_t k = i; k < end;) {
      const std::size_t stop = chars[k].split_digit ? k + 1 : match_gpt2(chars, k, end);
      piece(chunk_offset + byte_at(k), byte_at(stop) - byte_at(k));
      k = stop;
    }
    i = end;
  }
}

// Long inputs are pre-tokenized in chunks, which bounds the per-character scratch (16 bytes per
// input byte) and keeps offsets 32-bit. A chunk ends just before a space that follows a printable
// ASCII character: every alternative of the GPT-2 pattern that consumes such a character stops at
// white space, so a pre-token boundary is there anyway and the cut changes nothing. Input with no
// such place in the last MiB is cut at a character start: still lossless, merely a pre-token split.
constexpr std::size_t kChunkBytes = std::size_t{1} << 24;
constexpr std::size_t kCutSearchBytes = std::size_t{1} << 20;

std::size_t chunk_end(std::span<const std::uint8_t> bytes) {
  if (bytes.size() <= kChunkBytes) return bytes.size();
  for (std::size_t p = kChunkBytes; p > kChunkBytes - kCutSearchBytes; --p) {
    if (bytes[p] == ' ' && bytes[p - 1] > 0x20 && bytes[p - 1] < 0x7F) return p;
  }
  std::size_t p = kChunkBytes;
  while (p > kChunkBytes - 4 && (bytes[p] & 0xC0) == 0x80) --p;  // not inside a UTF-8 character
  return p;
}

template <typename OnPiece>
void for_each_pre_token(std::span<const std::uint8_t> bytes, bool split_digits, std::vector<Char>& chars,
                        OnPiece&& piece) {
  std::uint64_t done = 0;
  while (!bytes.empty()) {
    const std::size_t end = chunk_end(bytes);
    for_each_pre_token_in_chunk(bytes.first(end), done, split_digits, chars, piece);
    done += end;
    bytes = bytes.subspan(end);
  }
}

}  // namespace

// Buffers reused across the pre-tokens of one encode call (no allocation per pre-token once they
// have grown), and a cache of pre-token bytes -> ids: natural text repeats a few thousand words,
// so most pre-tokens skip BPE. The cache lives only for one call, so encode stays const and
// thread-safe; its keys point into the caller's input, valid for that call.
struct Tokenizer::EncodeScratch {
  struct Candidate {
    std::int32_t rank;
    std::int32_t pos;
    std::int32_t left, right, merged;
  };
  std::vector<std::int32_t> id;
  std::vector<std::int32_t> prev, next;
  std::vector<Candidate> heap;
  struct CachedIds {
    std::uint32_t first, count;  // a slice of cached_ids
  };
  std::unordered_map<std::string_view, CachedIds> cache;
  std::vector<std::int32_t> cached_ids;
  // Long pre-tokens (runs of spaces or of one letter) are rarely repeated; caching them would
  // only cost memory.
  static constexpr std::size_t kMaxCachedPieceBytes = 64;
  static constexpr std::size_t kMaxCacheEntries = 1u << 16;
};

Result<Tokenizer> Tokenizer::create(const std::vector<std::string_view>& tokens, const std::vector<std::string_view>& merges,
                                    std::string_view pre_type, const std::vector<std::int32_t>& token_types) {
  Tokenizer t;
  if (pre_type == "smollm") t.split_digits_ = true;
  else if (pre_type == "gpt2") t.split_digits_ = false;
  else return Error(Status::unsupported_model, "pre-tokenizer '" + std::string(pre_type) + "' is not supported (smollm, gpt2 are)");
  if (tokens.empty() || tokens.size() > (1u << 24)) return Error(Status::corrupt_data, "vocabulary size is out of range");
  if (!token_types.empty() && token_types.size() != tokens.size())
    return Error(Status::corrupt_data, "token type list and vocabulary differ in length");
  const ByteAlphabet& abc = alphabet();
  std::fill(std::begin(t.byte_token_), std::end(t.byte_token_), -1);
  t.token_bytes_.resize(tokens.size());
  std::unordered_map<std::string_view, std::int32_t> by_string;
  by_string.reserve(tokens.size());
  for (std::size_t id = 0; id < tokens.size(); ++id) {
    const std::string_view s = tokens[id];
    const auto* p = reinterpret_cast<const std::uint8_t*>(s.data());
    std::string raw;
    bool byte_level = true;
    for (std::size_t i = 0; i < s.size();) {
      std::uint32_t cp = 0;
      const int len = decode_utf8(p, s.size(), i, cp);
      if (cp == kInvalid || cp >= 512 || abc.cp_to_byte[cp] < 0) {
        byte_level = false;
        break;
      }
      raw.push_back(static_cast<char>(abc.cp_to_byte[cp]));
      i += static_cast<std::size_t>(len);
    }
    // Tokens outside the byte alphabet (rare added tokens) decode to their own UTF-8 text.
    t.token_bytes_[id] = byte_level ? raw : std::string(s);
    by_string.emplace(s, static_cast<std::int32_t>(id));
    const bool control = !token_types.empty() && token_types[id] == 3;
    if (byte_level && !control && raw.size() == 1) {
      const auto b = static_cast<std::uint8_t>(raw[0]);
      if (t.byte_token_[b] < 0) t.byte_token_[b] = static_cast<std::int32_t>(id);
    }
  }
  if (Error e = t.set_up_escapes(token_types)) return e;
  t.merges_.reserve(merges.size());
  for (std::size_t rank = 0; rank < merges.size(); ++rank) {
    const std::string_view m = merges[rank];
    const std::size_t space = m.find(' ');
    if (space == std::string_view::npos || space == 0 || space + 1 >= m.size())
      return Error(Status::corrupt_data, "merge " + std::to_string(rank) + " is not 'left right'");
    const std::string_view left = m.substr(0, space), right = m.substr(space + 1);
    const auto l = by_string.find(left), r = by_string.find(right);
    std::string joined(left);
    joined.append(right);
    const auto j = by_string.find(std::string_view(joined));
    if (l == by_string.end() || r == by_string.end() || j == by_string.end())
      return Error(Status::corrupt_data, "merge " + std::to_string(rank) + " refers to a token not in the vocabulary");
    const std::uint64_t key = (static_cast<std::uint64_t>(l->second) << 32) | static_cast<std::uint32_t>(r->second);
    t.merges_.emplace(key, Merge{static_cast<std::int32_t>(rank), j->second});
  }
  return t;
}

Error Tokenizer::set_up_escapes(const std::vector<std::int32_t>& token_types) {
  std::vector<int> missing, present;
  for (int b = 0; b < 256; ++b) (byte_token_[b] < 0 ? missing : present).push_back(b);
  std::fill(std::begin(escape_payload_), std::end(escape_payload_), -1);
  std::fill(std::begin(escaped_byte_), std::end(escaped_byte_), std::int16_t{-1});
  if (missing.empty()) return Error();
  for (std::size_t id = token_types.size(); id-- > 0;) {
    if (token_types[id] == 3) {
      escape_id_ = static_cast<std::int32_t>(id);
      break;
    }
  }
  if (escape_id_ < 0 || missing.size() > present.size())
    return Error(Status::unsupported_model, "the vocabulary has no token for byte " + std::to_string(missing[0]) +
                                                " and no control token to escape it with");
  for (std::size_t k = 0; k < missing.size(); ++k) {
    escape_payload_[missing[k]] = byte_token_[present[k]];
    escaped_byte_[present[k]] = static_cast<std::int16_t>(missing[k]);
  }
  return Error();
}

std::vector<std::int32_t> Tokenizer::encode(std::span<const std::uint8_t> bytes) const {
  std::vector<std::int32_t> out;
  encode_append(bytes, out);
  return out;
}

void Tokenizer::encode_append(std::span<const std::uint8_t> bytes, std::vector<std::int32_t>& out) const {
  std::vector<Char> chars;
  EncodeScratch scratch;
  out.reserve(out.size() + bytes.size() / 3);
  for_each_pre_token(bytes, split_digits_, chars, [&](std::uint64_t offset, std::uint32_t length) {
    encode_piece(bytes.subspan(static_cast<std::size_t>(offset), length), out, scratch);
  });
}

void Tokenizer::pre_tokenize(std::span<const std::uint8_t> bytes, std::vector<std::uint32_t>& piece_lengths) const {
  std::vector<Char> chars;
  for_each_pre_token(bytes, split_digits_, chars,
                     [&](std::uint64_t, std::uint32_t length) { piece_lengths.push_back(length); });
}

void Tokenizer::encode_piece(std::span<const std::uint8_t> piece, std::vector<std::int32_t>& out,
                             EncodeScratch& scratch) const {
  if (piece.size() == 1 && byte_token_[piece[0]] >= 0) {
    out.push_back(byte_token_[piece[0]]);
    return;
  }
  if (piece.size() > EncodeScratch::kMaxCachedPieceBytes) return encode_piece_uncached(piece, out, scratch);
  const std::string_view key(reinterpret_cast<const char*>(piece.data()), piece.size());
  if (const auto hit = scratch.cache.find(key); hit != scratch.cache.end()) {
    const auto* first = scratch.cached_ids.data() + hit->second.first;
    out.insert(out.end(), first, first + hit->second.count);
    return;
  }
  const std::size_t before = out.size();
  encode_piece_uncached(piece, out, scratch);
  if (scratch.cache.size() < EncodeScratch::kMaxCacheEntries) {
    const auto first = static_cast<std::uint32_t>(scratch.cached_ids.size());
    scratch.cached_ids.insert(scratch.cached_ids.end(), out.begin() + static_cast<std::ptrdiff_t>(before), out.end());
    scratch.cache.emplace(key, EncodeScratch::CachedIds{first, static_cast<std::uint32_t>(out.size() - before)});
  }
}

void Tokenizer::encode_piece_uncached(std::span<const std::uint8_t> piece, std::vector<std::int32_t>& out,
                                      EncodeScratch& scratch) const {
  // Bytes without a token split the piece; each is escaped, the runs between go through BPE.
  std::size_t start = 0;
  for (std::size_t k = 0; k <= piece.size(); ++k) {
    if (k < piece.size() && byte_token_[piece[k]] >= 0) continue;
    if (k > start) {
      if (k - start == 1) out.push_back(byte_token_[piece[start]]);
      else bpe(piece.subspan(start, k - start), out, scratch);
    }
    if (k < piece.size()) {
      out.push_back(escape_id_);
      out.push_back(escape_payload_[piece[k]]);
    }
    start = k + 1;
  }
}

// Byte-pair encoding of one pre-token: repeatedly merge the adjacent pair of lowest rank
// (leftmost first among equal ranks) until none applies. A heap of candidate pairs over a linked
// list of symbols, with lazy invalidation, keeps it O(n log n) for long pre-tokens (1 MB of one
// letter) instead of the O(n^2) of rescanning after each merge.
void Tokenizer::bpe(std::span<const std::uint8_t> piece, std::vector<std::int32_t>& out, EncodeScratch& scratch) const {
  using Candidate = EncodeScratch::Candidate;
  const auto n = static_cast<std::int32_t>(piece.size());
  auto& id = scratch.id;
  auto& prev = scratch.prev;
  auto& next = scratch.next;
  auto& heap = scratch.heap;
  id.resize(piece.size());
  prev.resize(piece.size());
  next.resize(piece.size());
  heap.clear();
  for (std::int32_t k = 0; k < n; ++k) {
    id[k] = byte_token_[piece[k]];
    prev[k] = k - 1;
    next[k] = k + 1 < n ? k + 1 : -1;
  }
  // Min-heap on (rank, position): std heap functions build a max-heap, so "greater" comes first.
  const auto later = [](const Candidate& a, const Candidate& b) { return a.rank != b.rank ? a.rank > b.rank : a.pos > b.pos; };
  const auto consider = [&](std::int32_t pos) {
    if (pos < 0 || next[pos] < 0) return;
    const std::uint64_t key = (static_cast<std::uint64_t>(static_cast<std::uint32_t>(id[pos])) << 32) |
                              static_cast<std::uint32_t>(id[next[pos]]);
    const auto it = merges_.find(key);
    if (it == merges_.end()) return;
    heap.push_back({it->second.rank, pos, id[pos], id[next[pos]], it->second.merged});
    std::push_heap(heap.begin(), heap.end(), later);
  };
  for (std::int32_t k = 0; k + 1 < n; ++k) consider(k);
  while (!heap.empty()) {
    std::pop_heap(heap.begin(), heap.end(), later);
    const Candidate c = heap.back();
    heap.pop_back();
    const std::int32_t right = next[c.pos];
    if (id[c.pos] != c.left || right < 0 || id[right] != c.right) continue;  // stale: a neighbour merged first
    id[c.pos] = c.merged;
    id[right] = -1;
    next[c.pos] = next[right];
    if (next[right] >= 0) prev[next[right]] = c.pos;
    consider(prev[c.pos]);
    consider(c.pos);
  }
  for (std::int32_t k = 0; k >= 0; k = next[k]) out.push_back(id[k]);
}

std::string Tokenizer::decode(std::span<const std::int32_t> ids) const {
  std::string out;
  DecodeState state;
  for (std::int32_t id : ids) decode_append(id, out, state);
  if (state.after_escape) out.append(token_bytes_[escape_id_]);  // a dangling ESC stands for itself
  return out;
}

void Tokenizer::decode_append(std::int32_t id, std::string& out, DecodeState& state) const {
  if (id < 0 || static_cast<std::size_t>(id) >= token_bytes_.size()) return;
  if (state.after_escape) {
    state.after_escape = false;
    const std::string& payload = token_bytes_[id];
    if (payload.size() == 1 && escaped_byte_[static_cast<std::uint8_t>(payload[0])] >= 0) {
      out.push_back(static_cast<char>(escaped_byte_[static_cast<std::uint8_t>(payload[0])]));
      return;
    }
    out.append(token_bytes_[escape_id_]);  // not an escape after all: ESC stands for itself
  }
  if (id == escape_id_) {
    state.after_escape = true;
    return;
  }
  out.append(token_bytes_[id]);
}

std::string_view Tokenizer::token_bytes(std::int32_t id) const {
  if (id < 0 || static_cast<std::size_t>(id) >= token_bytes_.size()) return {};
  return token_bytes_[id];
}

}  // namespace llmz
