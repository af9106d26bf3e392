// match-service: wiring only. Loads the config and the eligibility rules, opens the store, starts
// the referral outbox dispatcher and serves MatchService until SIGTERM/SIGINT.
#include <cstdint>
#include <memory>
#include <string>

#include "absl/time/time.h"

#include "common/config/flags.h"
#include "common/outbox/outbox.h"
#include "common/server/channel.h"
#include "common/server/server_flags.h"
#include "common/status/status_macros.h"
#include "common/time/dates.h"
#include "match-service/clients/grpc_referral_client.h"
#include "match-service/clients/plan_sender.h"
#include "match-service/domain/match_engine.h"
#include "match-service/rpc/eligibility_config.h"
#include "match-service/rpc/match_metrics.h"
#include "match-service/rpc/match_service_impl.h"
#include "match-service/store/sqlite_match_store.h"
#include "spdlog/spdlog.h"

namespace lifeline::match {
namespace {

struct MatchConfig {
  common::ServerFlags server = common::ServerFlags::Listening("127.0.0.1:50052");
  std::string data_dir = "./var/match";
  std::string referral_target = "127.0.0.1:50053";
  std::string eligibility_file = "config/eligibility.yaml";
  int64_t referral_timeout_ms = 5000;
  // Identity resolution thresholds (match-service README, "Decisions").
  double link_probability = 0.95;
  double possible_probability = 0.5;
  int64_t max_block_size = 300;
};

void Bind(common::FlagSet* flags, MatchConfig* config) {
  flags->RequiredString("data_dir", &config->data_dir, "directory of match.db");
  flags->RequiredString("referral_target", &config->referral_target,
                        "gRPC target of referral-service");
  flags->RequiredString("eligibility_file", &config->eligibility_file, "YAML eligibility rules");
  flags->Int("referral_timeout_ms", &config->referral_timeout_ms,
             "deadline of one CreatePlan call in milliseconds", 1, 600000);
  flags->Double("link_probability", &config->link_probability,
                "probability of one person at which two records are linked", 0.5, 0.999999);
  flags->Double("possible_probability", &config->possible_probability,
                "probability at which an unlinked pair is a possible match for review", 0.001,
                0.999);
  flags->Int("max_block_size", &config->max_block_size,
             "records a blocking key may hold before it is skipped as oversized", 2, 100000);
  flags->Check([config]() -> absl::Status {
    if (config->possible_probability < config->link_probability) return absl::OkStatus();
    return absl::InvalidArgumentError("possible_probability must be below link_probability");
  });
}

absl::Status Serve(const MatchConfig& config, common::ServerRunner* runner) {
  ASSIGN_OR_RETURN(LoadedRules rules, LoadEligibilityFile(config.eligibility_file));
  ASSIGN_OR_RETURN(std::unique_ptr<SqliteMatchStore> store,
                   SqliteMatchStore::Open(config.data_dir + "/match.db"));
  GrpcReferralClient referral(common::MakeClientChannel(config.referral_target),
                              absl::Milliseconds(config.referral_timeout_ms));
  common::OutboxDispatcher::Options dispatcher_options;
  dispatcher_options.topic = kReferralTopic;
  dispatcher_options.batch_size = 1;  // each CreatePlan answer is stored on its clue
  common::OutboxDispatcher dispatcher(store->outbox(), MakePlanSender(&referral, store.get()),
                                      dispatcher_options);
  MatchMetrics metrics(*runner->registry(), store.get(), store->outbox());
  linkage::LinkageOptions linkage;
  linkage.link_probability = config.link_probability;
  linkage.possible_probability = config.possible_probability;
  linkage.max_block_size = static_cast<int>(config.max_block_size);
  MatchEngine engine(store.get(), ClueScorer(rules.rules), MatchEngine::TimeOrderedIds(),
                     PersonLinker(linkage));
  // The link index is built before serving, so the first batch is not the one that waits.
  const absl::Time index_start = absl::Now();
  ASSIGN_OR_RETURN(const int64_t indexed, engine.LoadIndex());
  spdlog::info("event=link_index_loaded records={} seconds={:.1f}", indexed,
               absl::ToDoubleSeconds(absl::Now() - index_start));
  // Clues scored under other rules (or another scorer) are re-scored before serving, in place.
  const absl::Time rescore_start = absl::Now();
  ASSIGN_OR_RETURN(std::optional<ApplyResult> rescored,
                   engine.RescoreIfRulesChanged(rules.fingerprint, absl::Now()));
  if (rescored.has_value()) {
    spdlog::info(
        "event=rules_changed_rescored persons={} clues_created={} clues_updated={} "
        "clues_withdrawn={} seconds={:.1f}",
        rescored->persons_scored, rescored->clues_created, rescored->clues_updated,
        rescored->clues_withdrawn, absl::ToDoubleSeconds(absl::Now() - rescore_start));
  }
  MatchServiceImpl service(&engine, store.get(), common::Clock::Real(), &metrics,
                           [&dispatcher] { dispatcher.Wake(); });
  runner->AddService(&service);
  return runner->Serve({&dispatcher});
}

}  // namespace
}  // namespace lifeline::match

int main(int argc, char** argv) {
  return lifeline::common::RunServer("match-service", "match", argc, argv, &lifeline::match::Bind,
                                     &lifeline::match::Serve);
}
