// gateway: HTTP/JSON for every public RPC of ingest, match and referral, derived from their
// google.api.http annotations, with bearer-token auth, a role policy and an audit log.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>

#include <spdlog/spdlog.h>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

#include "common/config/flags.h"
#include "common/logging/logging.h"
#include "common/server/channel.h"
#include "common/server/server_runner.h"
#include "gateway/auth/token_authenticator.h"
#include "gateway/domain/role_policy.h"
#include "gateway/http/http_server.h"
#include "gateway/proxy/api_routes.h"
#include "gateway/proxy/audit_log.h"
#include "gateway/proxy/gateway_handler.h"
#include "gateway/proxy/gateway_metrics.h"
#include "gateway/proxy/upstream_pool.h"
#include "lifeline/ingest/v1/ingest_service.grpc.pb.h"
#include "lifeline/match/v1/match_service.grpc.pb.h"
#include "lifeline/referral/v1/referral_service.grpc.pb.h"

namespace lifeline::gateway {
namespace {

struct GatewayConfig {
  std::string http_address = "127.0.0.1:8080";
  std::string http_port_file;
  std::string ingest_target = "127.0.0.1:50051";
  std::string match_target = "127.0.0.1:50052";
  std::string referral_target = "127.0.0.1:50053";
  std::string tokens_file;
  std::string audit_file = "./var/gateway/audit.jsonl";
  int64_t upstream_timeout_ms = 10000;
  int64_t request_timeout_ms = 30000;
  int64_t max_body_bytes = 8 * 1024 * 1024;
  int64_t threads = 2;
  std::string listen_address = "127.0.0.1:50050";
  std::string port_file;
  std::string metrics_address = "127.0.0.1:0";
  std::string metrics_port_file;
  std::string log_level = "info";
};

void Bind(common::FlagSet* flags, GatewayConfig* config) {
  flags->String("http_address", &config->http_address, "HTTP listen address host:port (port 0 ok)");
  flags->String("http_port_file", &config->http_port_file, "file to write the bound HTTP port to");
  flags->String("ingest_target", &config->ingest_target, "gRPC target of ingest-service");
  flags->String("match_target", &config->match_target, "gRPC target of match-service");
  flags->String("referral_target", &config->referral_target, "gRPC target of referral-service");
  flags->String("tokens_file", &config->tokens_file, "YAML tokens file (required)");
  flags->String("audit_file", &config->audit_file, "audit log, one JSON line per request");
  flags->Int("upstream_timeout_ms", &config->upstream_timeout_ms, "deadline of upstream calls");
  flags->Int("request_timeout_ms", &config->request_timeout_ms,
             "time to read one request or write one response; idle keep-alive timeout");
  flags->Int("max_body_bytes", &config->max_body_bytes, "largest request body (413 above)");
  flags->Int("threads", &config->threads, "HTTP server threads");
  flags->String("listen_address", &config->listen_address,
                "gRPC listen address for grpc.health.v1");
  flags->String("port_file", &config->port_file, "file to write the bound gRPC port to");
  flags->String("metrics_address", &config->metrics_address, "Prometheus /metrics address");
  flags->String("metrics_port_file", &config->metrics_port_file,
                "file to write the bound metrics port to");
  flags->String("log_level", &config->log_level, "debug, info, warn or error");
  flags->Check([config] {
    return config->tokens_file.empty() ? absl::InvalidArgumentError("tokens_file is required")
                                       : absl::OkStatus();
  });
  flags->Check([config] {
    return config->upstream_timeout_ms > 0
               ? absl::OkStatus()
               : absl::InvalidArgumentError("upstream_timeout_ms must be positive");
  });
  flags->Check([config] {
    return config->request_timeout_ms > 0
               ? absl::OkStatus()
               : absl::InvalidArgumentError("request_timeout_ms must be positive");
  });
  flags->Check([config] {
    return config->max_body_bytes > 0
               ? absl::OkStatus()
               : absl::InvalidArgumentError("max_body_bytes must be positive");
  });
  flags->Check([config] {
    return config->threads >= 1 && config->threads <= 64
               ? absl::OkStatus()
               : absl::InvalidArgumentError("threads must be between 1 and 64");
  });
  flags->Check([config] {
    return config->audit_file.empty() ? absl::InvalidArgumentError("audit_file is required")
                                      : absl::OkStatus();
  });
}

int Run(int argc, char** argv) {
  GatewayConfig config;
  common::FlagSet flags("gateway");
  Bind(&flags, &config);
  if (absl::Status status = flags.Parse(argc, argv); !status.ok()) {
    if (status.code() == absl::StatusCode::kCancelled) {
      std::fprintf(stdout, "%s\n", std::string(status.message()).c_str());
      return 0;
    }
    std::fprintf(stderr, "gateway: bad configuration:\n%s\n",
                 std::string(status.message()).c_str());
    return 2;
  }
  common::InitLogging("gateway", config.log_level);
  spdlog::info("event=config {}", flags.Describe());

  absl::StatusOr<TokenAuthenticator> authenticator =
      TokenAuthenticator::LoadFile(config.tokens_file);
  if (!authenticator.ok()) {
    spdlog::error("event=tokens_load_failed error=\"{}\"", authenticator.status().ToString());
    return 2;
  }
  absl::StatusOr<std::unique_ptr<AuditLog>> audit = AuditLog::Open(config.audit_file);
  if (!audit.ok()) {
    spdlog::error("event=audit_open_failed error=\"{}\"", audit.status().ToString());
    return 2;
  }
  absl::StatusOr<std::vector<ApiRoute>> routes = RoutesFromServices(LifelineServices());
  if (!routes.ok()) {
    spdlog::error("event=routes_failed error=\"{}\"", routes.status().ToString());
    return 2;
  }

  common::ServerOptions server_options;
  server_options.listen_address = config.listen_address;
  server_options.port_file = config.port_file;
  server_options.metrics_address = config.metrics_address;
  server_options.metrics_port_file = config.metrics_port_file;
  common::ServerRunner runner("gateway", server_options);
  GatewayMetrics metrics(*runner.registry());

  UpstreamPool upstreams;
  upstreams.AddService(ingest::v1::IngestService::service_full_name(),
                       common::MakeClientChannel(config.ingest_target));
  upstreams.AddService(match::v1::MatchService::service_full_name(),
                       common::MakeClientChannel(config.match_target));
  upstreams.AddService(referral::v1::ReferralService::service_full_name(),
                       common::MakeClientChannel(config.referral_target));

  const RolePolicy policy = RolePolicy::Default();
  GatewayHandlerOptions handler_options;
  handler_options.upstream_timeout = std::chrono::milliseconds(config.upstream_timeout_ms);
  absl::StatusOr<std::unique_ptr<GatewayHandler>> handler =
      GatewayHandler::Create(*std::move(routes), &*authenticator, &policy, &upstreams, audit->get(),
                             &metrics, handler_options);
  if (!handler.ok()) {
    spdlog::error("event=routes_failed error=\"{}\"", handler.status().ToString());
    return 2;
  }
  for (size_t i = 0; i < (*handler)->routes().size(); ++i) {
    const ApiRoute& route = (*handler)->routes()[i];
    spdlog::info("event=route method={} path={} rpc={}", route.http_method, route.path_template,
                 route.method->full_name());
  }

  if (absl::Status status = runner.Start(); !status.ok()) {
    spdlog::error("event=grpc_start_failed error=\"{}\"", status.ToString());
    return 1;
  }

  HttpServerOptions http_options;
  http_options.address = config.http_address;
  http_options.threads = static_cast<int>(config.threads);
  http_options.max_body_bytes = static_cast<uint64_t>(config.max_body_bytes);
  http_options.request_timeout = std::chrono::milliseconds(config.request_timeout_ms);
  // Requests in flight end by their upstream deadline; let them finish on SIGTERM.
  http_options.drain_timeout = std::chrono::milliseconds(config.upstream_timeout_ms + 2000);
  HttpServer http(http_options, handler->get());
  if (absl::Status status = http.Start(); !status.ok()) {
    spdlog::error("event=http_start_failed error=\"{}\"", status.ToString());
    runner.Shutdown();
    runner.Wait();
    return 1;
  }
  if (!config.http_port_file.empty()) {
    if (absl::Status status = common::WritePortFile(config.http_port_file, http.port());
        !status.ok()) {
      spdlog::error("event=port_file_failed error=\"{}\"", status.ToString());
      http.Stop();
      runner.Shutdown();
      runner.Wait();
      return 1;
    }
  }
  spdlog::info("event=serving http_port={} grpc_port={} metrics_port={} routes={}", http.port(),
               runner.port(), runner.metrics_port(), (*handler)->routes().size());

  runner.Wait();
  spdlog::info("event=stopping");
  http.Stop();
  spdlog::info("event=stopped");
  return 0;
}

}  // namespace
}  // namespace lifeline::gateway

int main(int argc, char** argv) { return lifeline::gateway::Run(argc, argv); }
