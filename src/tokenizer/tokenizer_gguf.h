// Builds a Tokenizer from a GGUF file's tokenizer metadata (the only place where the tokenizer
// meets the GGUF reader; the Tokenizer itself never sees the model).
//
// Contract: reads tokenizer.ggml.model (must be "gpt2", i.e. byte-level BPE),
// tokenizer.ggml.tokens, tokenizer.ggml.merges, tokenizer.ggml.pre (default "gpt2") and
// tokenizer.ggml.token_type (optional). Errors: missing_key / type_mismatch from the reader,
// unsupported_model for other tokenizer models, corrupt_data from Tokenizer::create.
#pragma once

#include "common/result.h"
#include "gguf/gguf.h"
#include "tokenizer/tokenizer.h"

namespace llmz {

Result<Tokenizer> tokenizer_from_gguf(const gguf::GgufFile& file);

}  // namespace llmz
