#include "referral-service/rpc/overdue_escalator.h"

#include <vector>

#include <spdlog/spdlog.h>

#include "common/status/status_macros.h"
#include "referral-service/domain/sla.h"
#include "referral-service/domain/working_days.h"

namespace lifeline::referral {

absl::StatusOr<int> OverdueEscalator::ScanOnce() {
  const absl::CivilDay today = LocalDay(clock_->Now());
  const OverdueQuery query = OverdueQueryFor(today);
  int escalated = 0;
  while (true) {
    ASSIGN_OR_RETURN(std::vector<OverdueCandidate> candidates,
                     store_->ListOverdueCandidates(query, kBatchSize));
    std::vector<OverdueCandidate> overdue = SelectOverdue(candidates, today);
    ASSIGN_OR_RETURN(std::vector<OverdueCandidate> marked, store_->MarkOverdue(overdue));
    for (const OverdueCandidate& referral : marked) {
      spdlog::warn("event=sla_breach department={}", referral.department);
      if (observer_) observer_(referral.department);
    }
    escalated += static_cast<int>(marked.size());
    // A short batch was the last; a batch with nothing left to mark would come back unchanged.
    if (static_cast<int>(candidates.size()) < kBatchSize || marked.empty()) return escalated;
  }
}

}  // namespace lifeline::referral
