// gateway: HTTP/JSON for every public RPC of ingest, match and referral, derived from their
// google.api.http annotations, with bearer-token auth, a role policy and an audit log.
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <spdlog/spdlog.h>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"

#include "common/config/flags.h"
#include "common/server/channel.h"
#include "common/server/server_flags.h"
#include "common/status/status_macros.h"
#include "gateway/auth/token_authenticator.h"
#include "gateway/domain/role_policy.h"
#include "gateway/http/http_server.h"
#include "gateway/proxy/api_routes.h"
#include "gateway/proxy/audit_log.h"
#include "gateway/proxy/audit_service.h"
#include "gateway/proxy/audit_store.h"
#include "gateway/proxy/gateway_handler.h"
#include "gateway/proxy/gateway_metrics.h"
#include "gateway/proxy/openapi.h"
#include "gateway/proxy/static_files.h"
#include "gateway/proxy/upstream_pool.h"
#include "lifeline/ingest/v1/ingest_service.grpc.pb.h"
#include "lifeline/match/v1/match_service.grpc.pb.h"
#include "lifeline/referral/v1/referral_service.grpc.pb.h"

namespace lifeline::gateway {
namespace {

struct GatewayConfig {
  // The gRPC listener serves grpc.health.v1 and reflection only.
  common::ServerFlags server = common::ServerFlags::Listening("127.0.0.1:50050");
  std::string http_address = "127.0.0.1:8080";
  std::string http_port_file;
  std::string http_tls_cert_file;
  std::string http_tls_key_file;
  bool insecure_http = false;
  std::string ingest_target = "127.0.0.1:50051";
  std::string match_target = "127.0.0.1:50052";
  std::string referral_target = "127.0.0.1:50053";
  std::string tokens_file;
  std::string jwt_keys_file;
  std::string jwt_issuer;
  std::string jwt_audience = "lifeline-gateway";
  int64_t jwt_max_lifetime_minutes = 720;
  double rate_limit_per_second = 50;
  double rate_limit_burst = 100;
  int64_t max_header_bytes = 16384;
  std::string audit_file = "./var/gateway/audit.jsonl";
  std::string audit_index_file = "./var/gateway/audit-index.db";
  int64_t upstream_timeout_ms = 10000;
  int64_t long_upstream_timeout_ms = 600000;
  int64_t request_timeout_ms = 30000;
  int64_t max_body_bytes = 8 * 1024 * 1024;
  int64_t threads = 2;
};

void Bind(common::FlagSet* flags, GatewayConfig* config) {
  flags->String("http_address", &config->http_address, "HTTP listen address host:port (port 0 ok)");
  flags->String("http_port_file", &config->http_port_file, "file to write the bound HTTP port to");
  flags->String("http_tls_cert_file", &config->http_tls_cert_file,
                "PEM certificate chain: the HTTP front speaks HTTPS only");
  flags->String("http_tls_key_file", &config->http_tls_key_file, "PEM key of http_tls_cert_file");
  flags->Bool(
      "insecure_http", &config->insecure_http,
      "plain HTTP on a non-loopback http_address (only behind a proxy that terminates TLS)");
  flags->Check([config]() -> absl::Status {
    if (config->http_tls_cert_file.empty() != config->http_tls_key_file.empty()) {
      return absl::InvalidArgumentError("http_tls_cert_file and http_tls_key_file go together");
    }
    if (config->http_tls_cert_file.empty() && !config->insecure_http &&
        !common::IsLoopbackAddress(config->http_address)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "http_address \"", config->http_address,
          "\" is not loopback: set http_tls_cert_file and http_tls_key_file (HTTPS), or "
          "insecure_http=true when a proxy in front terminates TLS"));
    }
    return absl::OkStatus();
  });
  flags->RequiredString("ingest_target", &config->ingest_target, "gRPC target of ingest-service");
  flags->RequiredString("match_target", &config->match_target, "gRPC target of match-service");
  flags->RequiredString("referral_target", &config->referral_target,
                        "gRPC target of referral-service");
  flags->RequiredString("tokens_file", &config->tokens_file,
                        "YAML tokens file (hashed API keys; re-read when it changes)");
  flags->String("jwt_keys_file", &config->jwt_keys_file,
                "key file of the identity provider's JWT keys (HS256/RS256); empty: no JWTs");
  flags->String("jwt_issuer", &config->jwt_issuer, "the \"iss\" every JWT must carry");
  flags->String("jwt_audience", &config->jwt_audience, "the \"aud\" every JWT must include");
  flags->Int("jwt_max_lifetime_minutes", &config->jwt_max_lifetime_minutes,
             "longest JWT accepted (exp - iat)", 1, 10080);
  flags->Check([config]() -> absl::Status {
    if (!config->jwt_keys_file.empty() &&
        (config->jwt_issuer.empty() || config->jwt_audience.empty())) {
      return absl::InvalidArgumentError(
          "jwt_issuer and jwt_audience are required with jwt_keys_file");
    }
    return absl::OkStatus();
  });
  flags->RequiredString("audit_file", &config->audit_file, "audit log, one JSON line per request");
  flags->RequiredString("audit_index_file", &config->audit_index_file,
                        "SQLite index of the audit log, for auditors' queries (GET /v1/audit)");
  flags->Int("upstream_timeout_ms", &config->upstream_timeout_ms, "deadline of upstream calls", 1,
             600000);
  flags->Int("long_upstream_timeout_ms", &config->long_upstream_timeout_ms,
             "deadline of the calls that walk every record (Relink, Rescore)", 1, 3600000);
  flags->Int("request_timeout_ms", &config->request_timeout_ms,
             "time to read one request or write one response; idle keep-alive timeout", 1, 600000);
  flags->Int("max_body_bytes", &config->max_body_bytes, "largest request body (413 above)", 1,
             int64_t{1} << 30);
  flags->Int("threads", &config->threads, "HTTP server threads", 1, 64);
  flags->Double("rate_limit_per_second", &config->rate_limit_per_second,
                "requests per second per principal, and failed authentications per client "
                "address (0: no limit)",
                0, 1e6);
  flags->Double("rate_limit_burst", &config->rate_limit_burst,
                "requests a principal may send at once before the rate applies", 1, 1e6);
  flags->Int("max_header_bytes", &config->max_header_bytes,
             "largest request line plus headers (431 above)", 1024, 1 << 20);
  flags->Check(
      [config] { return common::CheckListenAddress("http_address", config->http_address); });
}

absl::Status Serve(const GatewayConfig& config, common::ServerRunner* runner) {
  ASSIGN_OR_RETURN(TokenAuthenticator authenticator,
                   TokenAuthenticator::LoadFile(config.tokens_file));
  if (!config.jwt_keys_file.empty()) {
    RETURN_IF_ERROR(
        authenticator.AcceptJwt({config.jwt_keys_file, config.jwt_issuer, config.jwt_audience,
                                 absl::Minutes(config.jwt_max_lifetime_minutes)}));
  }
  ASSIGN_OR_RETURN(std::unique_ptr<AuditStore> audit_index,
                   AuditStore::Open(config.audit_index_file));
  ASSIGN_OR_RETURN(std::unique_ptr<AuditLog> audit,
                   AuditLog::Open(config.audit_file, audit_index.get()));
  // The audit log is queried through the gateway's own AuditService, reached in-process once the
  // gRPC server runs (below), with the same routes, roles and auditing as every other RPC.
  AuditServiceImpl audit_service(audit_index.get(), audit.get());
  runner->AddService(&audit_service);
  ASSIGN_OR_RETURN(std::vector<ApiRoute> routes, RoutesFromServices(LifelineServices()));
  GatewayMetrics metrics(*runner->registry());
  UpstreamPool upstreams;
  upstreams.AddService(ingest::v1::IngestService::service_full_name(),
                       common::MakeClientChannel(config.ingest_target));
  upstreams.AddService(match::v1::MatchService::service_full_name(),
                       common::MakeClientChannel(config.match_target));
  upstreams.AddService(referral::v1::ReferralService::service_full_name(),
                       common::MakeClientChannel(config.referral_target));
  const RolePolicy policy = RolePolicy::Default();
  RateLimiter limiter({config.rate_limit_per_second, config.rate_limit_burst});
  GatewayHandlerOptions handler_options;
  handler_options.limiter = &limiter;
  handler_options.openapi_document = &BuiltOpenApiDocument();
  handler_options.console_files = &EmbeddedConsoleFiles();
  handler_options.upstream_timeout = std::chrono::milliseconds(config.upstream_timeout_ms);
  // A re-resolution or a rescore of a province takes longer than one request's deadline.
  for (const char* rpc : {"Relink", "Rescore"}) {
    handler_options
        .method_timeouts[absl::StrCat(match::v1::MatchService::service_full_name(), ".", rpc)] =
        std::chrono::milliseconds(config.long_upstream_timeout_ms);
  }
  ASSIGN_OR_RETURN(std::unique_ptr<GatewayHandler> handler,
                   GatewayHandler::Create(std::move(routes), &authenticator, &policy, &upstreams,
                                          audit.get(), &metrics, handler_options));
  for (const ApiRoute& route : handler->routes()) {
    spdlog::info("event=route method={} path={} rpc={}", route.http_method, route.path_template,
                 route.method->full_name());
  }

  HttpServerOptions http_options;
  http_options.address = config.http_address;
  http_options.tls_cert_file = config.http_tls_cert_file;
  http_options.tls_key_file = config.http_tls_key_file;
  http_options.threads = static_cast<int>(config.threads);
  http_options.max_body_bytes = static_cast<uint64_t>(config.max_body_bytes);
  http_options.max_header_bytes = static_cast<uint32_t>(config.max_header_bytes);
  http_options.request_timeout = std::chrono::milliseconds(config.request_timeout_ms);
  // Requests in flight end by their upstream deadline; let them finish on SIGTERM.
  http_options.drain_timeout = std::chrono::milliseconds(config.upstream_timeout_ms + 2000);
  HttpServer http(http_options, handler.get());
  // A port file that cannot be written fails the start; the server stops when `http` goes.
  common::BackgroundTask http_task(
      [&] {
        upstreams.AddService(v1::AuditService::service_full_name(), runner->InProcessChannel());
        RETURN_IF_ERROR(http.Start());
        if (config.http_port_file.empty()) return absl::OkStatus();
        return common::WritePortFile(config.http_port_file, http.port());
      },
      [&http] { http.Stop(); });
  return runner->Serve({http_task}, [&] {
    return absl::StrCat(" http_port=", http.port(), " routes=", handler->routes().size());
  });
}

}  // namespace
}  // namespace lifeline::gateway

int main(int argc, char** argv) {
  return lifeline::common::RunServer("gateway", "gateway", argc, argv, &lifeline::gateway::Bind,
                                     &lifeline::gateway::Serve);
}
