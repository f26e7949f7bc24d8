// The default model and its tokenizer, loaded once per test program, and corpus files: shared by
// the tests that run on the real model (provisioned by `make model`).
#pragma once

#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "common/model_locator.h"
#include "model/model.h"
#include "tokenizer/tokenizer_gguf.h"

namespace llmz::testing {

struct DefaultModel {
  std::unique_ptr<Model> model;
  std::unique_ptr<Tokenizer> tokenizer;
  std::string error;  // non-empty when loading failed
};

inline const DefaultModel& default_model() {
  static const DefaultModel loaded = [] {
    DefaultModel d;
    auto path = locate_model("");
    if (!path.ok()) {
      d.error = path.error().message();
      return d;
    }
    auto m = Model::load(path.value());
    if (!m.ok()) {
      d.error = m.error().message();
      return d;
    }
    d.model = std::move(m).value();
    auto tok = tokenizer_from_gguf(d.model->gguf());
    if (!tok.ok()) {
      d.error = tok.error().message();
      return d;
    }
    d.tokenizer = std::make_unique<Tokenizer>(std::move(tok).value());
    return d;
  }();
  return loaded;
}

inline std::vector<std::uint8_t> corpus_bytes(const std::string& name) {
  std::ifstream in(std::string(LLMZ_SOURCE_DIR) + "/../shared/corpus/" + name, std::ios::binary);
  return std::vector<std::uint8_t>((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

}  // namespace llmz::testing
