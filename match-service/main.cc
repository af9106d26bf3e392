// match-service: wiring only. Loads the config and the eligibility rules, opens the store, starts
// the referral outbox dispatcher and serves MatchService until SIGTERM/SIGINT.
#include <cstdint>
#include <iostream>
#include <memory>
#include <string>

#include <grpcpp/grpcpp.h>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"

#include "common/config/flags.h"
#include "common/logging/logging.h"
#include "common/outbox/outbox.h"
#include "common/server/channel.h"
#include "common/server/server_runner.h"
#include "common/time/dates.h"
#include "match-service/clients/grpc_referral_client.h"
#include "match-service/clients/plan_request_codec.h"
#include "match-service/domain/clue_scorer.h"
#include "match-service/rpc/eligibility_config.h"
#include "match-service/rpc/match_metrics.h"
#include "match-service/rpc/match_service_impl.h"
#include "match-service/rpc/plan_delivery.h"
#include "match-service/store/sqlite_match_store.h"

namespace {

struct MatchConfig {
  std::string listen_address = "127.0.0.1:50052";
  std::string port_file;
  std::string metrics_address = "127.0.0.1:0";
  std::string metrics_port_file;
  std::string data_dir = "./var/match";
  std::string referral_target = "127.0.0.1:50053";
  std::string eligibility_file = "config/eligibility.yaml";
  std::string log_level = "info";
  int64_t referral_timeout_ms = 5000;
};

int Run(int argc, char** argv) {
  using lifeline::common::FlagSet;
  MatchConfig config;
  FlagSet flags("match");
  flags.String("listen_address", &config.listen_address, "host:port for gRPC (port 0: any)");
  flags.String("port_file", &config.port_file, "file to write the bound gRPC port to");
  flags.String("metrics_address", &config.metrics_address,
               "host:port for Prometheus /metrics (empty disables)");
  flags.String("metrics_port_file", &config.metrics_port_file,
               "file to write the bound metrics port to");
  flags.String("data_dir", &config.data_dir, "directory of match.db");
  flags.String("referral_target", &config.referral_target, "gRPC target of referral-service");
  flags.String("eligibility_file", &config.eligibility_file, "YAML eligibility rules");
  flags.String("log_level", &config.log_level, "debug, info, warn or error");
  flags.Int("referral_timeout_ms", &config.referral_timeout_ms,
            "deadline of one CreatePlan call in milliseconds");
  flags.Check([&config]() -> absl::Status {
    if (config.data_dir.empty()) return absl::InvalidArgumentError("data_dir must not be empty");
    return absl::OkStatus();
  });
  flags.Check([&config]() -> absl::Status {
    if (config.referral_timeout_ms <= 0) {
      return absl::InvalidArgumentError("referral_timeout_ms must be > 0");
    }
    return absl::OkStatus();
  });
  if (absl::Status status = flags.Parse(argc, argv); !status.ok()) {
    if (absl::IsCancelled(status)) {
      std::cout << status.message() << "\n";
      return 0;
    }
    std::cerr << "match-service: bad configuration:\n" << status.message() << "\n";
    return 2;
  }
  auto rules = lifeline::match::LoadEligibilityRules(config.eligibility_file);
  if (!rules.ok()) {
    std::cerr << "match-service: bad eligibility rules: " << rules.status().message() << "\n";
    return 2;
  }

  lifeline::common::InitLogging("match-service", config.log_level);
  spdlog::info("event=starting config=\"{}\"", flags.Describe());

  auto store = lifeline::match::SqliteMatchStore::Open(config.data_dir + "/match.db",
                                                       lifeline::match::ClueScorer(*rules),
                                                       lifeline::match::EncodePlanRequest);
  if (!store.ok()) {
    std::cerr << "match-service: cannot open store: " << store.status() << "\n";
    return 2;
  }

  lifeline::match::GrpcReferralClient referral(
      lifeline::common::MakeClientChannel(config.referral_target),
      absl::Milliseconds(config.referral_timeout_ms));
  lifeline::common::OutboxDispatcher::Options dispatch_options;
  dispatch_options.topic = lifeline::match::kReferralTopic;
  dispatch_options.batch_size = 1;
  lifeline::match::MatchStore* store_ptr = store->get();
  lifeline::common::OutboxDispatcher dispatcher(
      (*store)->outbox(),
      [&referral, store_ptr](const std::vector<lifeline::common::OutboxMessage>& messages) {
        return lifeline::match::DeliverPlans(messages, &referral, store_ptr);
      },
      dispatch_options);

  lifeline::common::ServerOptions server_options;
  server_options.listen_address = config.listen_address;
  server_options.port_file = config.port_file;
  server_options.metrics_address = config.metrics_address;
  server_options.metrics_port_file = config.metrics_port_file;
  lifeline::common::ServerRunner runner("match-service", server_options);
  lifeline::match::MatchMetrics metrics(*runner.registry(), store_ptr, (*store)->outbox());
  lifeline::match::MatchServiceImpl service(store_ptr, lifeline::common::Clock::Real(), &metrics,
                                            [&dispatcher]() { dispatcher.Wake(); });
  runner.AddService(&service);
  if (absl::Status status = runner.Start(); !status.ok()) {
    std::cerr << "match-service: cannot start: " << status << "\n";
    return 2;
  }
  dispatcher.Start();
  spdlog::info("event=serving port={} metrics_port={}", runner.port(), runner.metrics_port());
  runner.Wait();
  dispatcher.Stop();
  metrics.Refresh();
  spdlog::info("event=stopped");
  return 0;
}

}  // namespace

int main(int argc, char** argv) { return Run(argc, argv); }
