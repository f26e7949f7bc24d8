#include "common/status.h"

namespace llmz {

const char* status_name(Status s) noexcept {
  switch (s) {
    case Status::ok: return "ok";
    case Status::io_error: return "io_error";
    case Status::truncated: return "truncated";
    case Status::bad_magic: return "bad_magic";
    case Status::unsupported_version: return "unsupported_version";
    case Status::out_of_bounds: return "out_of_bounds";
    case Status::overflow: return "overflow";
    case Status::bad_alignment: return "bad_alignment";
    case Status::unknown_type: return "unknown_type";
    case Status::duplicate_key: return "duplicate_key";
    case Status::missing_key: return "missing_key";
    case Status::type_mismatch: return "type_mismatch";
    case Status::invalid_argument: return "invalid_argument";
    case Status::out_of_memory: return "out_of_memory";
    case Status::corrupt_data: return "corrupt_data";
    case Status::checksum_mismatch: return "checksum_mismatch";
    case Status::wrong_model: return "wrong_model";
    case Status::model_not_found: return "model_not_found";
    case Status::unsupported_model: return "unsupported_model";
  }
  return "unknown_status";
}

std::string Error::message() const {
  if (status == Status::ok) return "ok";
  if (detail.empty()) return status_name(status);
  return detail + " (" + status_name(status) + ")";
}

}  // namespace llmz
