#include "gateway/proxy/gateway_handler.h"

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include <spdlog/spdlog.h>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"

#include "common/csv/encoding.h"
#include "gateway/domain/http_error.h"
#include "gateway/domain/rate_limiter.h"
#include "gateway/domain/url.h"
#include "gateway/proxy/static_files.h"
#include "gateway/proxy/transcoder.h"

namespace lifeline::gateway {
namespace {

constexpr char kUnmatchedRoute[] = "unmatched";
constexpr char kHealthRoute[] = "/healthz";
constexpr char kReadyRoute[] = "/readyz";
constexpr char kOpenApiRoute[] = "/openapi.json";
constexpr char kConsoleRoute[] = "/console";

// Keeps the method label low-cardinality whatever a client sends.
std::string MethodLabel(const std::string& method) {
  for (const char* known : {"GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"}) {
    if (method == known) return method;
  }
  return "OTHER";
}

// 200 when every upstream serves, 503 otherwise; the body lists each upstream's state (service
// names and health states only, never addresses).
HttpServerResponse ReadinessResponse(const std::vector<UpstreamPool::Health>& answers) {
  bool ready = true;
  std::string upstreams;
  for (const UpstreamPool::Health& answer : answers) {
    ready = ready && answer.serving;
    absl::StrAppend(&upstreams, upstreams.empty() ? "" : ",", "{\"service\":\"",
                    JsonEscape(answer.service),
                    "\",\"serving\":", answer.serving ? "true" : "false", ",\"state\":\"",
                    JsonEscape(answer.detail), "\"}");
  }
  HttpServerResponse response;
  response.status = ready ? 200 : 503;
  response.content_type = "application/json";
  response.body =
      absl::StrCat("{\"ready\":", ready ? "true" : "false", ",\"upstreams\":[", upstreams, "]}");
  return response;
}

// Transport failures carry addresses and channel internals in their message; callers get a plain
// description instead. Other codes keep the service's own message (never personal data).
absl::Status UpstreamStatus(const absl::Status& status) {
  if (status.code() == absl::StatusCode::kUnavailable) {
    return absl::UnavailableError("upstream service unavailable; retry later");
  }
  if (status.code() == absl::StatusCode::kDeadlineExceeded) {
    return absl::DeadlineExceededError("upstream service did not answer in time");
  }
  return status;
}

HttpServerResponse ErrorResponse(const HttpError& error) {
  HttpServerResponse response;
  response.status = error.http_status;
  response.body = ErrorBodyJson(error);
  return response;
}

// A console file with headers that keep the pages to their own scripts and styles (no inline
// code, no framing, no referrer); "/" sends the browser to the console.
HttpServerResponse ConsoleResponse(const std::map<std::string, std::string>& files,
                                   const std::string& method, std::string_view path) {
  HttpServerResponse response;
  if (method != "GET") {
    response = ErrorResponse(
        HttpError{405, "METHOD_NOT_ALLOWED", "method not allowed; this path accepts GET"});
    response.headers.emplace_back("Allow", "GET");
    return response;
  }
  if (path == "/") {
    response.status = 302;
    response.content_type = "text/plain";
    response.headers.emplace_back("Location", "/console/");
    return response;
  }
  std::optional<StaticFile> file = FindConsoleFile(files, path);
  if (!file.has_value()) return ErrorResponse(HttpError{404, "NOT_FOUND", "no such file"});
  response.content_type = file->content_type;
  response.body = *file->body;
  response.headers.emplace_back(
      "Content-Security-Policy",
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
      "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'");
  response.headers.emplace_back("X-Content-Type-Options", "nosniff");
  response.headers.emplace_back("Referrer-Policy", "no-referrer");
  response.headers.emplace_back("Cache-Control", "no-cache");
  return response;
}

}  // namespace

absl::StatusOr<std::unique_ptr<GatewayHandler>> GatewayHandler::Create(
    std::vector<ApiRoute> routes, const TokenAuthenticator* authenticator, const RolePolicy* policy,
    UpstreamPool* upstreams, AuditLog* audit, GatewayMetrics* metrics,
    GatewayHandlerOptions options) {
  std::unique_ptr<GatewayHandler> handler(new GatewayHandler());
  for (const ApiRoute& route : routes) {
    absl::StatusOr<size_t> index = handler->table_.Add(route.http_method, route.path_template);
    if (!index.ok()) return index.status();
    if (!policy->Covers(route.method->full_name())) {
      return absl::FailedPreconditionError(
          absl::StrCat("the role policy has no rule for routed RPC ", route.method->full_name()));
    }
  }
  handler->routes_ = std::move(routes);
  handler->authenticator_ = authenticator;
  handler->policy_ = policy;
  handler->upstreams_ = upstreams;
  handler->audit_ = audit;
  handler->metrics_ = metrics;
  handler->options_ = options;
  return handler;
}

void GatewayHandler::Handle(HttpServerRequest request, Done done) {
  const absl::Time start = absl::Now();
  const std::string method_label = MethodLabel(request.method);
  auto finish = [this, start, method_label, done](const std::string& route,
                                                  HttpServerResponse response) {
    metrics_->Record(route, method_label, response.status,
                     absl::ToDoubleSeconds(absl::Now() - start));
    done(std::move(response));
  };

  const SplitTargetResult target = SplitTarget(request.target);
  // HEAD is answered as GET; the server sends the headers only.
  const std::string method = request.method == "HEAD" ? "GET" : request.method;
  if (options_.console_files != nullptr &&
      (target.path == "/" ||
       target.path.substr(0, std::string_view(kConsoleRoute).size()) == kConsoleRoute)) {
    finish(kConsoleRoute, ConsoleResponse(*options_.console_files, method, target.path));
    return;
  }
  if (target.path == kOpenApiRoute && options_.openapi_document != nullptr) {
    HttpServerResponse response;
    if (method == "GET") {
      response.body = *options_.openapi_document;
    } else {
      response = ErrorResponse(
          HttpError{405, "METHOD_NOT_ALLOWED", "method not allowed; this path accepts GET"});
      response.headers.emplace_back("Allow", "GET");
    }
    finish(kOpenApiRoute, std::move(response));
    return;
  }
  if (target.path == kReadyRoute) {
    if (method != "GET") {
      HttpServerResponse response = ErrorResponse(
          HttpError{405, "METHOD_NOT_ALLOWED", "method not allowed; this path accepts GET"});
      response.headers.emplace_back("Allow", "GET");
      finish(kReadyRoute, std::move(response));
      return;
    }
    upstreams_->CheckHealth(options_.readiness_timeout,
                            [finish](std::vector<UpstreamPool::Health> answers) {
                              finish(kReadyRoute, ReadinessResponse(answers));
                            });
    return;
  }
  if (target.path == kHealthRoute) {
    HttpServerResponse response;
    if (method == "GET") {
      response.content_type = "text/plain";
      response.body = "ok";
    } else {
      response = ErrorResponse(
          HttpError{405, "METHOD_NOT_ALLOWED", "method not allowed; this path accepts GET"});
      response.headers.emplace_back("Allow", "GET");
    }
    finish(kHealthRoute, std::move(response));
    return;
  }

  RouteResolution resolution = table_.Resolve(method, target.path);
  if (resolution.outcome == RouteResolution::Outcome::kNotFound) {
    finish(kUnmatchedRoute, ErrorResponse(HttpError{404, "NOT_FOUND", "no such route"}));
    return;
  }
  if (resolution.outcome == RouteResolution::Outcome::kMethodNotAllowed) {
    const std::string allowed = absl::StrJoin(resolution.allowed_methods, ", ");
    HttpServerResponse response =
        ErrorResponse(HttpError{405, "METHOD_NOT_ALLOWED",
                                absl::StrCat("method not allowed; this path accepts ", allowed)});
    response.headers.emplace_back("Allow", allowed);
    finish(kUnmatchedRoute, std::move(response));
    return;
  }

  const ApiRoute& route = routes_[resolution.route];
  // Ids are text: bytes that are not UTF-8 after %-decoding are the client's error, never shown.
  for (const auto& [name, value] : resolution.vars) {
    if (!common::IsValidUtf8(value)) {
      finish(route.path_template,
             ErrorResponse(HttpError{
                 400, "INVALID_ARGUMENT",
                 absl::StrCat("path variable ", name, " is not UTF-8 text after %-decoding")}));
      return;
    }
  }
  const std::string rpc = route.method->full_name();
  AuditEntry audit;
  audit.time = start;
  audit.http_method = route.http_method;
  audit.route = route.path_template;
  audit.rpc = rpc;
  audit.path_vars = resolution.vars;
  auto deny = [&](const absl::Status& status) {
    audit.http_status = HttpStatusForCode(status.code());
    audit_->Write(audit);
    finish(route.path_template, ErrorResponse(HttpErrorFromStatus(status)));
  };
  // 429 with Retry-After (whole seconds, at least 1) when `key`'s bucket is empty.
  auto over_limit = [&](const std::string& key) {
    if (options_.limiter == nullptr) return false;
    const RateLimiter::Decision decision = options_.limiter->Acquire(key, start);
    if (decision.allowed) return false;
    const int64_t seconds = std::max<int64_t>(
        1, absl::ToInt64Seconds(absl::Ceil(decision.retry_after, absl::Seconds(1))));
    audit.http_status = 429;
    audit_->Write(audit);
    HttpServerResponse response = ErrorResponse(HttpError{
        429, "RESOURCE_EXHAUSTED", absl::StrCat("too many requests; retry after ", seconds, " s")});
    response.headers.emplace_back("Retry-After", absl::StrCat(seconds));
    finish(route.path_template, std::move(response));
    return true;
  };

  absl::StatusOr<Principal> principal = authenticator_->Authenticate(request.authorization);
  if (!principal.ok()) {
    // Failed attempts count against the client's address, which slows guessing.
    if (over_limit(absl::StrCat("peer:", request.peer))) return;
    return deny(principal.status());
  }
  audit.user = principal->user;
  audit.role = principal->role;
  if (over_limit(absl::StrCat("user:", principal->user))) return;
  if (absl::Status allowed = policy_->Authorize(rpc, *principal, resolution.vars); !allowed.ok()) {
    return deny(allowed);
  }

  absl::StatusOr<std::unique_ptr<google::protobuf::Message>> upstream_request = BuildRequest(
      route, resolution.vars, target.query, request.body, RolePolicy::Overrides(rpc, *principal));
  if (!upstream_request.ok()) {
    if (upstream_request.status().code() != absl::StatusCode::kInvalidArgument) {
      spdlog::error("event=transcode_failed rpc={} code={}", rpc,
                    absl::StatusCodeToString(upstream_request.status().code()));
    }
    finish(route.path_template, ErrorResponse(HttpErrorFromStatus(upstream_request.status())));
    return;
  }

  if (route.http_method != "GET") audit.decision = AuditDecision(**upstream_request);
  const common::Caller caller{principal->user, principal->role, principal->scope};
  const auto timeout = options_.method_timeouts.find(route.method->full_name());
  upstreams_->Call(
      route.method, **upstream_request, caller,
      timeout != options_.method_timeouts.end() ? timeout->second : options_.upstream_timeout,
      [this, finish, audit, template_text = route.path_template,
       rpc](absl::StatusOr<std::unique_ptr<google::protobuf::Message>> response) mutable {
        HttpServerResponse answer;
        if (response.ok()) audit.subjects = AuditSubjects(**response);
        if (response.ok()) {
          absl::StatusOr<std::string> json = MessageToJson(**response);
          if (json.ok()) {
            answer.body = *std::move(json);
          } else {
            answer = ErrorResponse(HttpErrorFromStatus(json.status()));
          }
        } else {
          if (HidesMessage(response.status().code())) {
            spdlog::warn("event=upstream_error rpc={} code={}", rpc,
                         absl::StatusCodeToString(response.status().code()));
          }
          answer = ErrorResponse(HttpErrorFromStatus(UpstreamStatus(response.status())));
        }
        audit.http_status = answer.status;
        audit_->Write(audit);
        finish(template_text, std::move(answer));
      });
}

}  // namespace lifeline::gateway
