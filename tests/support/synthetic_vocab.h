// A small synthetic byte-level BPE vocabulary for tests and fuzzers that must run without the
// model file: the 256 byte tokens (GPT-2 alphabet), some merges, and two control tokens.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "tokenizer/tokenizer.h"

namespace llmz::testing {

// The GPT-2 alphabet's code point for a byte, as UTF-8.
inline std::string byte_char(unsigned b) {
  unsigned cp = b;
  const bool printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || b >= 174;
  if (!printable) {
    unsigned n = 0;
    for (unsigned x = 0; x < b; ++x)
      if (!((x >= 33 && x <= 126) || (x >= 161 && x <= 172) || x >= 174)) ++n;
    cp = 256 + n;
  }
  std::string s;
  if (cp < 0x80) s.push_back(static_cast<char>(cp));
  else {
    s.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    s.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
  return s;
}

struct SyntheticVocab {
  std::vector<std::string> tokens;
  std::vector<std::string> merges;
  std::vector<std::int32_t> types;
  // drop_bytes: bytes left without a token (to exercise the escape path).
  explicit SyntheticVocab(std::vector<unsigned> drop_bytes = {}) {
    tokens = {"<|endoftext|>", "<|im_start|>"};
    types = {3, 3};
    for (unsigned b = 0; b < 256; ++b) {
      bool dropped = false;
      for (unsigned d : drop_bytes) dropped = dropped || d == b;
      if (dropped) continue;
      tokens.push_back(byte_char(b));
      types.push_back(1);
    }
    const std::string sp = byte_char(' ');
    const char* pairs[][2] = {{"t", "h"}, {"th", "e"}, {"a", "b"}, {"ab", "c"}, {"a", "a"}, {"aa", "aa"}, {"l", "l"},
                              {"e", "l"}, {"h", "e"}, {"he", "ll"}, {"o", "r"}};
    for (auto& p : pairs) add_merge(p[0], p[1]);
    add_merge(sp, "t");
    add_merge(sp + "t", "he");
    add_merge(sp, sp);
    add_merge(sp + sp, sp + sp);
  }
  void add_merge(const std::string& a, const std::string& b) {
    merges.push_back(a + " " + b);
    bool have = false;
    for (const auto& t : tokens) have = have || t == a + b;
    if (!have) {
      tokens.push_back(a + b);
      types.push_back(1);
    }
  }
  Result<Tokenizer> build(std::string_view pre = "smollm") const {
    std::vector<std::string_view> t(tokens.begin(), tokens.end()), m(merges.begin(), merges.end());
    return Tokenizer::create(t, m, pre, types);
  }
};

}  // namespace llmz::testing
