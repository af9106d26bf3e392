// gateway: HTTP/JSON for every public RPC of ingest, match and referral, derived from their
// google.api.http annotations, with bearer-token auth, a role policy and an audit log.
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include <spdlog/spdlog.h>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

#include "common/config/flags.h"
#include "common/logging/logging.h"
#include "common/server/channel.h"
#include "common/server/server_flags.h"
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
  common::ServerFlags server = common::ServerFlags::Listening("127.0.0.1:50050");
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
};

void Bind(common::FlagSet* flags, GatewayConfig* config) {
  // The gRPC listener serves grpc.health.v1 and reflection only.
  common::DefineServerFlags(flags, &config->server);
  flags->String("http_address", &config->http_address, "HTTP listen address host:port (port 0 ok)");
  flags->String("http_port_file", &config->http_port_file, "file to write the bound HTTP port to");
  flags->RequiredString("ingest_target", &config->ingest_target, "gRPC target of ingest-service");
  flags->RequiredString("match_target", &config->match_target, "gRPC target of match-service");
  flags->RequiredString("referral_target", &config->referral_target,
                        "gRPC target of referral-service");
  flags->RequiredString("tokens_file", &config->tokens_file, "YAML tokens file");
  flags->RequiredString("audit_file", &config->audit_file, "audit log, one JSON line per request");
  flags->Int("upstream_timeout_ms", &config->upstream_timeout_ms, "deadline of upstream calls", 1,
             600000);
  flags->Int("request_timeout_ms", &config->request_timeout_ms,
             "time to read one request or write one response; idle keep-alive timeout", 1, 600000);
  flags->Int("max_body_bytes", &config->max_body_bytes, "largest request body (413 above)", 1,
             int64_t{1} << 30);
  flags->Int("threads", &config->threads, "HTTP server threads", 1, 64);
  flags->Check(
      [config] { return common::CheckListenAddress("http_address", config->http_address); });
}

int Run(int argc, char** argv) {
  GatewayConfig config;
  common::FlagSet flags("gateway");
  Bind(&flags, &config);
  if (auto exit_code = common::ParseFlags(&flags, "gateway", argc, argv)) return *exit_code;
  common::InitLogging("gateway", config.server.log_level);
  spdlog::info("event=config {}", flags.Describe());

  absl::StatusOr<TokenAuthenticator> authenticator =
      TokenAuthenticator::LoadFile(config.tokens_file);
  if (!authenticator.ok()) {
    return common::StartupFailure("gateway", "cannot load tokens", authenticator.status());
  }
  absl::StatusOr<std::unique_ptr<AuditLog>> audit = AuditLog::Open(config.audit_file);
  if (!audit.ok())
    return common::StartupFailure("gateway", "cannot open audit log", audit.status());
  absl::StatusOr<std::vector<ApiRoute>> routes = RoutesFromServices(LifelineServices());
  if (!routes.ok()) return common::StartupFailure("gateway", "bad routes", routes.status());

  common::ServerRunner runner("gateway", config.server.Options());
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
  if (!handler.ok()) return common::StartupFailure("gateway", "bad routes", handler.status());
  for (size_t i = 0; i < (*handler)->routes().size(); ++i) {
    const ApiRoute& route = (*handler)->routes()[i];
    spdlog::info("event=route method={} path={} rpc={}", route.http_method, route.path_template,
                 route.method->full_name());
  }

  if (absl::Status status = runner.Start(); !status.ok()) {
    return common::StartupFailure("gateway", "cannot start gRPC", status);
  }

  HttpServerOptions http_options;
  http_options.address = config.http_address;
  http_options.threads = static_cast<int>(config.threads);
  http_options.max_body_bytes = static_cast<uint64_t>(config.max_body_bytes);
  http_options.request_timeout = std::chrono::milliseconds(config.request_timeout_ms);
  // Requests in flight end by their upstream deadline; let them finish on SIGTERM.
  http_options.drain_timeout = std::chrono::milliseconds(config.upstream_timeout_ms + 2000);
  HttpServer http(http_options, handler->get());
  absl::Status http_started = http.Start();
  if (http_started.ok() && !config.http_port_file.empty()) {
    http_started = common::WritePortFile(config.http_port_file, http.port());
    if (!http_started.ok()) http.Stop();
  }
  if (!http_started.ok()) {
    runner.Shutdown();
    runner.Wait();
    return common::StartupFailure("gateway", "cannot start HTTP", http_started);
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
