// Result<T>: a value or an Error, for functions that produce something and can fail.
//
// Contract: exactly one of value()/error() is meaningful; check ok() first. Accessing value() of a
// failed Result is a programming error (asserted in debug builds).
#pragma once

#include <cassert>
#include <optional>
#include <utility>

#include "common/status.h"

namespace llmz {

template <typename T>
class Result {
 public:
  Result(T value) : value_(std::move(value)) {}                 // NOLINT: implicit by design
  Result(Error error) : error_(std::move(error)) { assert(error_.status != Status::ok); }  // NOLINT
  Result(Status s, std::string detail) : error_(s, std::move(detail)) {}

  bool ok() const noexcept { return value_.has_value(); }
  T& value() & { assert(ok()); return *value_; }
  const T& value() const& { assert(ok()); return *value_; }
  T&& value() && { assert(ok()); return std::move(*value_); }
  const Error& error() const noexcept { return error_; }
  Status status() const noexcept { return ok() ? Status::ok : error_.status; }

 private:
  std::optional<T> value_;
  Error error_;
};

}  // namespace llmz
