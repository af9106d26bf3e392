// The CLI's client of the gateway's HTTP/JSON API: one request per call, JSON in and out, HTTP
// statuses mapped back to canonical codes.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace google::protobuf {
class Message;
}  // namespace google::protobuf

namespace lifeline::tools {

// Where and as whom the CLI talks to the gateway.
struct CliContext {
  std::string gateway_host = "127.0.0.1";
  int gateway_port = 8080;
  std::string token;
};

// Returns the canonical code for a non-2xx HTTP status of the gateway (400 InvalidArgument, 401
// Unauthenticated, 403 PermissionDenied, 404 NotFound, 409 FailedPrecondition, 429
// ResourceExhausted, 503 Unavailable, 504 DeadlineExceeded, anything else Internal).
absl::StatusCode CodeForHttp(int status);

// Percent-encodes everything but RFC 3986 unreserved characters (letters, digits, "-._~"), for a
// path segment or a query value: agency codes, batch ids and page tokens come from users.
std::string UrlEscape(std::string_view value);

// Sends requests to the gateway with the context's bearer token. Thread-compatible: each call
// opens its own connection, so one client may be used from several threads.
class GatewayClient {
 public:
  explicit GatewayClient(CliContext ctx,
                         std::chrono::milliseconds timeout = std::chrono::milliseconds(10000))
      : ctx_(std::move(ctx)), timeout_(timeout) {}

  // Sends a request and parses a 2xx JSON answer into `response` (unknown fields ignored).
  // Errors: the transport's (Unavailable, DeadlineExceeded), CodeForHttp of a non-2xx answer
  // with the gateway's body in the message, Internal for an answer that is not the expected JSON.
  absl::Status Call(const std::string& method, const std::string& target, const std::string& body,
                    google::protobuf::Message* response) const;

  const CliContext& context() const { return ctx_; }

 private:
  CliContext ctx_;
  std::chrono::milliseconds timeout_;
};

}  // namespace lifeline::tools
