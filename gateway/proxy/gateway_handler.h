// The gateway's request handling: route, authenticate, authorize, transcode, forward, answer,
// audit and count.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

#include "gateway/auth/token_authenticator.h"
#include "gateway/domain/rate_limiter.h"
#include "gateway/domain/role_policy.h"
#include "gateway/domain/route_table.h"
#include "gateway/http/http_handler.h"
#include "gateway/proxy/api_routes.h"
#include "gateway/proxy/audit_log.h"
#include "gateway/proxy/gateway_metrics.h"
#include "gateway/proxy/upstream_pool.h"

namespace lifeline::gateway {

struct GatewayHandlerOptions {
  // Deadline of each upstream call.
  std::chrono::milliseconds upstream_timeout{10000};
  // Deadlines of the RPCs that take longer, by full method name
  // ("lifeline.match.v1.MatchService.Relink"); the others get upstream_timeout.
  std::map<std::string, std::chrono::milliseconds> method_timeouts;
  // Deadline of each upstream's health check for /readyz.
  std::chrono::milliseconds readiness_timeout{1000};
  // Requests per principal (and failed authentications per client address); null: no limit.
  // Not owned.
  RateLimiter* limiter = nullptr;
  // Served at GET /openapi.json without a token when set. Not owned.
  const std::string* openapi_document = nullptr;
  // The review console's files, served under /console/ without a token when set. Not owned.
  const std::map<std::string, std::string>* console_files = nullptr;
};

// Answers HTTP requests for the public RPCs in front of the upstream services. GET /healthz
// answers "ok" without a token (the gateway process is up); GET /readyz, also without a token,
// asks every upstream's grpc.health.v1 and answers 200 when all serve, 503 otherwise, with each
// upstream's state as JSON. Thread-safe; the collaborators are not owned and must outlive it.
class GatewayHandler : public HttpHandler {
 public:
  // Builds the route table of `routes`. Errors: InvalidArgument / AlreadyExists for an unusable or
  // colliding route, FailedPrecondition for a route whose RPC has no rule in `policy`.
  static absl::StatusOr<std::unique_ptr<GatewayHandler>> Create(
      std::vector<ApiRoute> routes, const TokenAuthenticator* authenticator,
      const RolePolicy* policy, UpstreamPool* upstreams, AuditLog* audit, GatewayMetrics* metrics,
      GatewayHandlerOptions options);

  void Handle(HttpServerRequest request, Done done) override;

  const RouteTable& route_table() const { return table_; }
  const std::vector<ApiRoute>& routes() const { return routes_; }

 private:
  GatewayHandler() = default;

  std::vector<ApiRoute> routes_;  // indexed like table_
  RouteTable table_;
  const TokenAuthenticator* authenticator_ = nullptr;
  const RolePolicy* policy_ = nullptr;
  UpstreamPool* upstreams_ = nullptr;
  AuditLog* audit_ = nullptr;
  GatewayMetrics* metrics_ = nullptr;
  GatewayHandlerOptions options_;
};

}  // namespace lifeline::gateway
