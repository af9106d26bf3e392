// The interface between the HTTP server and what answers its requests.
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace lifeline::gateway {

// One parsed HTTP request. Header names are not kept beyond the two the gateway reads.
struct HttpServerRequest {
  std::string method;  // "GET", "POST", ...
  std::string target;  // path and query, still percent-encoded
  std::string authorization;
  std::string content_type;
  std::string body;
  std::string peer;  // the client's IP address
};

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
