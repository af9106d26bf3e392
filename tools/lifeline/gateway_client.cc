#include "tools/lifeline/gateway_client.h"

#include <algorithm>
#include <chrono>
#include <thread>

#include <google/protobuf/message.h>
#include <google/protobuf/util/json_util.h>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

#include "common/http/http_client.h"
#include "common/status/status_macros.h"

namespace lifeline::tools {

std::string UrlEscape(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (unsigned char c : value) {
    if (absl::ascii_isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      absl::StrAppend(&out, absl::StrFormat("%%%02X", c));
    }
  }
  return out;
}

namespace {
// How many times a request refused by the gateway's rate limit is sent again.
constexpr int kRateLimitRetries = 5;
}  // namespace

absl::StatusCode CodeForHttp(int status) {
  switch (status) {
    case 400:
      return absl::StatusCode::kInvalidArgument;
    case 401:
      return absl::StatusCode::kUnauthenticated;
    case 403:
      return absl::StatusCode::kPermissionDenied;
    case 404:
      return absl::StatusCode::kNotFound;
    case 409:
      return absl::StatusCode::kFailedPrecondition;
    case 429:
      return absl::StatusCode::kResourceExhausted;
    case 503:
      return absl::StatusCode::kUnavailable;
    case 504:
      return absl::StatusCode::kDeadlineExceeded;
    default:
      return absl::StatusCode::kInternal;
  }
}

absl::Status GatewayClient::Call(const std::string& method, const std::string& target,
                                 const std::string& body,
                                 google::protobuf::Message* response) const {
  common::HttpRequestOptions options;
  options.method = method;
  options.host = ctx_.gateway_host;
  options.port = ctx_.gateway_port;
  options.target = target;
  options.body = body;
  options.bearer_token = ctx_.token;
  options.timeout = timeout_;
  ASSIGN_OR_RETURN(common::HttpResponse http, common::SendHttpRequest(options));
  // The gateway's rate limit says when to come back: wait and retry a few times (a long export
  // or import then slows down instead of failing).
  for (int attempt = 0; attempt < kRateLimitRetries && http.status == 429; ++attempt) {
    auto retry_after = http.headers.find("retry-after");
    int seconds = 0;
    if (retry_after == http.headers.end() || !absl::SimpleAtoi(retry_after->second, &seconds)) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::seconds(std::clamp(seconds, 1, 30)));
    ASSIGN_OR_RETURN(http, common::SendHttpRequest(options));
  }
  if (http.status < 200 || http.status >= 300) {
    return absl::Status(CodeForHttp(http.status),
                        absl::StrCat("gateway answered HTTP ", http.status, ": ", http.body));
  }
  google::protobuf::util::JsonParseOptions parse;
  parse.ignore_unknown_fields = true;
  auto st = google::protobuf::util::JsonStringToMessage(http.body, response, parse);
  if (!st.ok()) {
    return absl::InternalError(absl::StrCat("cannot parse the gateway's answer: ", st.ToString()));
  }
  return absl::OkStatus();
}

}  // namespace lifeline::tools
