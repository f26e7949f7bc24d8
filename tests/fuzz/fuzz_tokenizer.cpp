// libFuzzer target: the tokenizer must round-trip any bytes exactly (on a synthetic vocabulary
// with escaped bytes, so no model file is needed) and never produce an id outside the vocabulary.
#include <cstddef>
#include <cstdint>
#include <string>

#include "../support/synthetic_vocab.h"

namespace {
const llmz::Tokenizer& tokenizer() {
  static const llmz::Tokenizer t = [] {
    auto r = llmz::testing::SyntheticVocab({4, 6, 192, 255}).build();
    if (!r.ok()) __builtin_trap();
    return std::move(r).value();
  }();
  return t;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const llmz::Tokenizer& t = tokenizer();
  const auto ids = t.encode(std::span<const std::uint8_t>(data, size));
  for (std::int32_t id : ids)
    if (id < 0 || id >= t.vocab_size()) __builtin_trap();
  const std::string back = t.decode(ids);
  if (back.size() != size || (size > 0 && back.compare(0, size, reinterpret_cast<const char*>(data), size) != 0))
    __builtin_trap();
  return 0;
}
