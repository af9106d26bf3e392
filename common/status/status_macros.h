// Propagation macros for absl::Status / absl::StatusOr (Debian's Abseil ships none).
#pragma once

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define LIFELINE_STATUS_CONCAT_INNER(a, b) a##b
#define LIFELINE_STATUS_CONCAT(a, b) LIFELINE_STATUS_CONCAT_INNER(a, b)

// Returns the status from the enclosing function when `expr` is not OK.
// The variable name carries __LINE__ so that a nested use (an `expr` that itself expands
// RETURN_IF_ERROR inside a lambda) does not shadow the outer one under -Wshadow.
#define RETURN_IF_ERROR(expr) \
  LIFELINE_RETURN_IF_ERROR_IMPL(LIFELINE_STATUS_CONCAT(lifeline_status_, __LINE__), expr)

#define LIFELINE_RETURN_IF_ERROR_IMPL(status, expr) \
  do {                                              \
    ::absl::Status status = (expr);                 \
    if (!status.ok()) return status;                \
  } while (0)

// Evaluates `rexpr` (an absl::StatusOr<T>); on error returns its status, otherwise moves the value
// into `lhs`, which may be a declaration (`auto x`) or an existing variable.
#define ASSIGN_OR_RETURN(lhs, rexpr) \
  LIFELINE_ASSIGN_OR_RETURN_IMPL(LIFELINE_STATUS_CONCAT(lifeline_statusor_, __LINE__), lhs, rexpr)

#define LIFELINE_ASSIGN_OR_RETURN_IMPL(statusor, lhs, rexpr) \
  auto statusor = (rexpr);                                   \
  if (!statusor.ok()) return std::move(statusor).status();   \
  lhs = std::move(statusor).value()
