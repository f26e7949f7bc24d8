// Model lookup: where llmz finds its model file.
//
// Contract: the order is (1) an explicit path (--model PATH), (2) the environment variable
// LLMZ_MODEL, (3) the cached default model, provisioned by scripts/provision-model.sh into
// $LLMZ_CACHE_DIR, else $XDG_CACHE_HOME/llmz, else $HOME/.cache/llmz. An explicit path or
// LLMZ_MODEL that does not exist is an error (never a silent fallback to the default).
// Errors: model_not_found with one message that says what to do.
#pragma once

#include <string>

#include "common/result.h"

namespace llmz {

inline constexpr const char* kDefaultModelFile = "SmolLM2-135M-Instruct.Q4_1.gguf";

// The directory holding the cached default model (may not exist yet).
std::string default_model_cache_dir();

// Resolves the model path by the order above. `explicit_path` may be empty.
Result<std::string> locate_model(const std::string& explicit_path);

}  // namespace llmz
