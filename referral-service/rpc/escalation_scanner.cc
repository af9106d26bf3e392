#include "referral-service/rpc/escalation_scanner.h"

#include <utility>
#include <vector>

#include <spdlog/spdlog.h>

#include "common/status/status_macros.h"
#include "referral-service/domain/deadlines.h"

namespace lifeline::referral {
namespace {

std::string_view KindName(ReferralEventKind kind) {
  return kind == ReferralEventKind::kRerouteProposed ? "reroute_proposed" : "escalated";
}

}  // namespace

absl::StatusOr<int> EscalationScanner::ScanOnce() {
  const absl::Time now = clock_->Now();
  const absl::CivilDay today = LocalDay(now);
  int stored = 0;
  while (true) {
    ASSIGN_OR_RETURN(std::vector<EscalationSubject> due, store_->ListDueChecks(today, kBatchSize));
    std::vector<std::pair<EscalationSubject, EscalationDecision>> decisions;
    decisions.reserve(due.size());
    for (EscalationSubject& subject : due) {
      EscalationDecision decision = DecideEscalation(subject, today, now, *calendar_);
      decisions.emplace_back(std::move(subject), std::move(decision));
    }
    ASSIGN_OR_RETURN(std::vector<AppliedEscalation> applied, store_->ApplyEscalations(decisions));
    for (const AppliedEscalation& escalation : applied) {
      spdlog::warn("event=referral_escalated kind={} stage={} department={}",
                   KindName(escalation.kind), StageName(escalation.stage), escalation.department);
      if (observer_) observer_(escalation);
    }
    stored += static_cast<int>(applied.size());
    // Every decision moves next_check past today, so a full batch is followed by new rows; one
    // whose referral moved meanwhile is decided on the next scan.
    if (static_cast<int>(due.size()) < kBatchSize) return stored;
  }
}

}  // namespace lifeline::referral
