// Status: the one error enum of llmz, with stable values and names.
//
// Contract:
//  - Library code never exits or aborts on bad input; it returns a Status (or an Error, which adds a
//    human-readable detail) and the caller decides. Only the CLI turns these into exit codes.
//  - Numeric values and names are stable: new codes are appended, never renumbered or renamed.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace llmz {

enum class Status : std::uint8_t {
  ok = 0,
  io_error = 1,            // open/read/write/mmap failed (errno detail in the message)
  truncated = 2,           // input ends before a structure it announces
  bad_magic = 3,           // not the file type we expected
  unsupported_version = 4, // a version we do not read
  out_of_bounds = 5,       // an offset, length or index points outside its container
  overflow = 6,            // a size computation would overflow, or a count is absurd
  bad_alignment = 7,       // data not aligned as the format requires
  unknown_type = 8,        // an unknown value/tensor type tag
  duplicate_key = 9,       // the same key or name twice
  missing_key = 10,        // a required key or tensor is absent
  type_mismatch = 11,      // a key or tensor has another type than the one asked for
  invalid_argument = 12,   // the caller passed something unusable
  out_of_memory = 13,      // an allocation failed
  corrupt_data = 14,       // structurally invalid content
  checksum_mismatch = 15,  // content does not match its checksum
  wrong_model = 16,        // data made with another model
  model_not_found = 17,    // no model file at any place we looked
  unsupported_model = 18,  // a model architecture or layout we cannot run
};

// Stable lower-case name, e.g. "out_of_bounds". Never null.
const char* status_name(Status s) noexcept;

// An error value: a status plus what exactly went wrong (which key, which offset...).
struct Error {
  Status status = Status::ok;
  std::string detail;

  Error() = default;
  Error(Status s, std::string d) : status(s), detail(std::move(d)) {}

  bool ok() const noexcept { return status == Status::ok; }
  explicit operator bool() const noexcept { return status != Status::ok; }  // true when failed
  // "detail (status_name)", or "ok".
  std::string message() const;
};

}  // namespace llmz
