#include "codec/fingerprint.h"

#include <xxhash.h>

#include <memory>
#include <string_view>

#include "common/byte_reader.h"

namespace llmz::codec {
namespace {

void add_u64(XXH3_state_t* s, std::uint64_t v) {
  std::uint8_t b[8];
  store_le64(b, v);
  XXH3_128bits_update(s, b, 8);
}

void add_string(XXH3_state_t* s, std::string_view str) {
  add_u64(s, str.size());
  XXH3_128bits_update(s, str.data(), str.size());
}

}  // namespace

container::Fingerprint model_fingerprint(const gguf::GgufFile& file) {
  std::unique_ptr<XXH3_state_t, decltype(&XXH3_freeState)> state(XXH3_createState(), &XXH3_freeState);
  XXH3_state_t* s = state.get();
  XXH3_128bits_reset(s);
  for (const gguf::TensorInfo& t : file.tensors()) {
    add_string(s, t.name);
    std::uint8_t b[4];
    store_le32(b, static_cast<std::uint32_t>(t.type));
    XXH3_128bits_update(s, b, 4);
    store_le32(b, t.n_dims);
    XXH3_128bits_update(s, b, 4);
    for (std::uint32_t d = 0; d < t.n_dims; ++d) add_u64(s, t.ne[d]);
    XXH3_128bits_update(s, t.data, t.n_bytes);
  }
  auto pre = file.get_string("tokenizer.ggml.pre");
  add_string(s, pre.ok() ? pre.value() : std::string_view());
  for (const char* key : {"tokenizer.ggml.tokens", "tokenizer.ggml.merges"}) {
    auto list = file.get_string_array(key);
    if (!list.ok()) continue;
    for (std::size_t i = 0; i < list.value().size(); ++i) add_string(s, list.value()[i]);
  }
  const XXH128_hash_t h = XXH3_128bits_digest(s);
  container::Fingerprint out{};
  store_le64(out.data(), h.low64);
  store_le64(out.data() + 8, h.high64);
  return out;
}

}  // namespace llmz::codec
