// Model fingerprint (docs/FORMAT.md "Model fingerprint"): XXH3-128 over tensor names, types,
// shapes and data, and the tokenizer's pre-tokenizer, tokens and merges.
#pragma once

#include "container/format.h"
#include "gguf/gguf.h"

namespace llmz::codec {

container::Fingerprint model_fingerprint(const gguf::GgufFile& file);

}  // namespace llmz::codec
