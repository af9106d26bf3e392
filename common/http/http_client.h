// A small synchronous HTTP/1.1 client (Boost.Beast) for the lifeline CLI and e2e tests.
#pragma once

#include <chrono>
#include <map>
#include <string>

#include "absl/status/statusor.h"

namespace lifeline::common {

struct HttpResponse {
  int status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // lower-case names
};

struct HttpRequestOptions {
  std::string method = "GET";      // GET, POST, PUT, DELETE
  std::string host = "127.0.0.1";  // host name or address
  int port = 80;
  std::string target = "/";  // path and query
  std::string body;
  std::string content_type = "application/json";
  // Sent as "Authorization: Bearer <token>" when not empty.
  std::string bearer_token;
  std::chrono::milliseconds timeout{10000};
};

// Sends one request on a new connection and reads the whole response. Any HTTP status is a
// success here; errors are transport failures: Unavailable (connect refused, reset),
// DeadlineExceeded (timeout), InvalidArgument (bad method).
absl::StatusOr<HttpResponse> SendHttpRequest(const HttpRequestOptions& options);

}  // namespace lifeline::common
