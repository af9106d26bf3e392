// match-service: wiring only. Loads the config and the eligibility rules, opens the store, starts
// the referral outbox dispatcher and serves MatchService until SIGTERM/SIGINT.
#include <cstdint>
#include <string>

#include <spdlog/spdlog.h>

#include "common/config/flags.h"
#include "common/logging/logging.h"
#include "common/outbox/outbox.h"
#include "common/server/channel.h"
#include "common/server/server_flags.h"
#include "common/server/server_runner.h"
#include "common/time/dates.h"
#include "match-service/clients/grpc_referral_client.h"
#include "match-service/clients/plan_sender.h"
#include "match-service/domain/match_engine.h"
#include "match-service/rpc/eligibility_config.h"
#include "match-service/rpc/match_metrics.h"
#include "match-service/rpc/match_service_impl.h"
#include "match-service/store/sqlite_match_store.h"

namespace lifeline::match {
namespace {

struct MatchConfig {
  common::ServerFlags server = common::ServerFlags::Listening("127.0.0.1:50052");
  std::string data_dir = "./var/match";
  std::string referral_target = "127.0.0.1:50053";
  std::string eligibility_file = "config/eligibility.yaml";
  int64_t referral_timeout_ms = 5000;
};

// Plan requests go one by one: each CreatePlan answer is stored on its clue.
common::OutboxDispatcher::Options DispatchOptions() {
  common::OutboxDispatcher::Options options;
  options.topic = kReferralTopic;
  options.batch_size = 1;
  return options;
}

int Run(int argc, char** argv) {
  MatchConfig config;
  common::FlagSet flags("match");
  common::DefineServerFlags(&flags, &config.server);
  flags.RequiredString("data_dir", &config.data_dir, "directory of match.db");
  flags.RequiredString("referral_target", &config.referral_target,
                       "gRPC target of referral-service");
  flags.RequiredString("eligibility_file", &config.eligibility_file, "YAML eligibility rules");
  flags.Int("referral_timeout_ms", &config.referral_timeout_ms,
            "deadline of one CreatePlan call in milliseconds", 1, 600000);
  if (auto exit_code = common::ParseFlags(&flags, "match-service", argc, argv)) return *exit_code;
  auto rules = LoadEligibilityRules(config.eligibility_file);
  if (!rules.ok())
    return common::StartupFailure("match-service", "bad eligibility rules", rules.status());

  common::InitLogging("match-service", config.server.log_level);
  spdlog::info("event=starting config=\"{}\"", flags.Describe());
  auto store = SqliteMatchStore::Open(config.data_dir + "/match.db");
  if (!store.ok())
    return common::StartupFailure("match-service", "cannot open store", store.status());

  GrpcReferralClient referral(common::MakeClientChannel(config.referral_target),
                              absl::Milliseconds(config.referral_timeout_ms));
  MatchStore* store_ptr = store->get();
  common::OutboxDispatcher dispatcher((*store)->outbox(), MakePlanSender(&referral, store_ptr),
                                      DispatchOptions());

  common::ServerRunner runner("match-service", config.server.Options());
  MatchMetrics metrics(*runner.registry(), store_ptr, (*store)->outbox());
  MatchEngine engine(store_ptr, ClueScorer(*rules));
  MatchServiceImpl service(&engine, store_ptr, common::Clock::Real(), &metrics,
                           [&dispatcher]() { dispatcher.Wake(); });
  runner.AddService(&service);
  if (absl::Status status = runner.Start(); !status.ok()) {
    return common::StartupFailure("match-service", "cannot start", status);
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
}  // namespace lifeline::match

int main(int argc, char** argv) { return lifeline::match::Run(argc, argv); }
