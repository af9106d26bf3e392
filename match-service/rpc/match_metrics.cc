#include "match-service/rpc/match_metrics.h"

#include <string>

#include "absl/strings/ascii.h"

#include "match-service/domain/clue.h"

namespace lifeline::match {
namespace {

std::string StatusLabel(ClueStatus status) {
  std::string name(ClueStatusName(status));
  constexpr std::string_view kPrefix = "CLUE_STATUS_";
  return absl::AsciiStrToLower(name.substr(kPrefix.size()));
}

}  // namespace

MatchMetrics::MatchMetrics(prometheus::Registry& registry, MatchStore* store,
                           common::Outbox* outbox)
    : store_(store),
      outbox_(outbox),
      records_applied_(prometheus::BuildCounter()
                           .Name("lifeline_match_records_applied_total")
                           .Help("Agency records that changed what match-service knows.")
                           .Register(registry)
                           .Add({})),
      clues_(prometheus::BuildGauge()
                 .Name("lifeline_clues")
                 .Help("Clues by review status.")
                 .Register(registry)),
      outbox_pending_(prometheus::BuildGauge()
                          .Name("lifeline_match_outbox_pending")
                          .Help("Plan requests waiting to be delivered to referral-service.")
                          .Register(registry)
                          .Add({})) {
  Refresh();
}

void MatchMetrics::AddRecordsApplied(int count) {
  if (count > 0) records_applied_.Increment(count);
}

void MatchMetrics::Refresh() {
  if (auto counts = store_->CountClues(); counts.ok()) {
    for (ClueStatus status :
         {ClueStatus::kPendingReview, ClueStatus::kApproved, ClueStatus::kRejected,
          ClueStatus::kMoreInfoRequested, ClueStatus::kExcluded, ClueStatus::kWithdrawn}) {
      auto it = counts->find(status);
      clues_.Add({{"status", StatusLabel(status)}})
          .Set(it == counts->end() ? 0.0 : static_cast<double>(it->second));
    }
  }
  if (auto pending = outbox_->Pending("referral"); pending.ok()) {
    outbox_pending_.Set(static_cast<double>(*pending));
  }
}

}  // namespace lifeline::match
