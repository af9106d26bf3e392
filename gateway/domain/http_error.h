// The gateway's mapping of canonical status codes to HTTP and its JSON error body.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace lifeline::gateway {

// An error as the HTTP caller sees it.
struct HttpError {
  int http_status = 500;
  // Canonical code name ("NOT_FOUND") or, for errors with no canonical code, the HTTP reason in
  // the same style ("METHOD_NOT_ALLOWED", "PAYLOAD_TOO_LARGE").
  std::string status;
  std::string message;
};

// Returns the HTTP status for a canonical code: INVALID_ARGUMENT/OUT_OF_RANGE 400,
// UNAUTHENTICATED 401, PERMISSION_DENIED 403, NOT_FOUND 404, ALREADY_EXISTS/ABORTED/
// FAILED_PRECONDITION 409, RESOURCE_EXHAUSTED 429, UNAVAILABLE 503, DEADLINE_EXCEEDED 504,
// anything else 500. OK maps to 200.
int HttpStatusForCode(absl::StatusCode code);

// Returns true for codes whose message may carry internals and is replaced by "internal error":
// INTERNAL, UNKNOWN, DATA_LOSS.
bool HidesMessage(absl::StatusCode code);

// Converts a non-OK status to what the caller sees, hiding internal details.
HttpError HttpErrorFromStatus(const absl::Status& status);

// Returns {"code":<http>,"status":"...","message":"..."}.
std::string ErrorBodyJson(const HttpError& error);

// Escapes `text` for use inside a JSON string literal (without the quotes). Text that is not UTF-8
// has each of its non-ASCII bytes written as \ufffd.
std::string JsonEscape(std::string_view text);

}  // namespace lifeline::gateway
