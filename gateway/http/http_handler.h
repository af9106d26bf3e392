// The interface between the HTTP server and what answers its requests.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lifeline::gateway {

// One parsed HTTP request.
struct HttpServerRequest {
  std::string method;  // "GET", "POST", ...
  std::string target;  // path and query, still percent-encoded
  // Copies of the two headers the gateway reads, also in `headers`.
  std::string authorization;
  std::string content_type;
  // Every request header in the order received, names lower-cased (HTTP names are
  // case-insensitive), values as sent; a repeated header appears once per occurrence.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string peer;  // the client's IP address
};

// Returns the value of the first header of `request` named `lower_name` (lower case), or nullopt
// when there is none.
inline std::optional<std::string> HeaderValue(const HttpServerRequest& request,
                                              std::string_view lower_name) {
  for (const auto& [name, value] : request.headers) {
    if (name == lower_name) return value;
  }
  return std::nullopt;
}

// The answer to one request.
struct HttpServerResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

// Answers requests. Handle may finish asynchronously: it must call `done` exactly once, from any
// thread. Implementations must be thread-safe; the server calls Handle from several threads.
class HttpHandler {
 public:
  using Done = std::function<void(HttpServerResponse)>;
  virtual ~HttpHandler() = default;
  virtual void Handle(HttpServerRequest request, Done done) = 0;
};

}  // namespace lifeline::gateway
