#include "gateway/domain/http_error.h"

#include <cstdio>

#include "absl/strings/str_cat.h"

#include "common/csv/encoding.h"

namespace lifeline::gateway {

int HttpStatusForCode(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kOk:
      return 200;
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kOutOfRange:
      return 400;
    case absl::StatusCode::kUnauthenticated:
      return 401;
    case absl::StatusCode::kPermissionDenied:
      return 403;
    case absl::StatusCode::kNotFound:
      return 404;
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kAborted:
    case absl::StatusCode::kFailedPrecondition:
      return 409;
    case absl::StatusCode::kResourceExhausted:
      return 429;
    case absl::StatusCode::kUnavailable:
      return 503;
    case absl::StatusCode::kDeadlineExceeded:
      return 504;
    default:
      return 500;
  }
}

bool HidesMessage(absl::StatusCode code) {
  return code == absl::StatusCode::kInternal || code == absl::StatusCode::kUnknown ||
         code == absl::StatusCode::kDataLoss;
}

HttpError HttpErrorFromStatus(const absl::Status& status) {
  HttpError error;
  error.http_status = HttpStatusForCode(status.code());
  error.status = absl::StatusCodeToString(status.code());
  if (HidesMessage(status.code())) {
    error.message = "internal error";
  } else {
    error.message = std::string(status.message());
  }
  return error;
}

std::string ErrorBodyJson(const HttpError& error) {
  return absl::StrCat("{\"code\":", error.http_status, ",\"status\":\"", JsonEscape(error.status),
                      "\",\"message\":\"", JsonEscape(error.message), "\"}");
}

std::string JsonEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  // JSON is UTF-8: text that is not has every non-ASCII byte replaced (U+FFFD), so that a line
  // of JSON stays one.
  const bool utf8 = common::IsValidUtf8(text);
  for (char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (!utf8 && static_cast<unsigned char>(c) >= 0x80) {
          out += "\\ufffd";
        } else if (static_cast<unsigned char>(c) < 0x20) {
          char buffer[8];
          std::snprintf(buffer, sizeof(buffer), "\\u%04x", static_cast<unsigned>(c));
          out += buffer;
        } else {
          out.push_back(c);
        }
    }
  }
  return out;
}

}  // namespace lifeline::gateway
