#include "referral-service/domain/sla.h"

namespace lifeline::referral {

OverdueQuery OverdueQueryFor(absl::CivilDay today) {
  return OverdueQuery{ReferralState::kRequested, today};
}

std::vector<OverdueCandidate> SelectOverdue(const std::vector<OverdueCandidate>& candidates,
                                            absl::CivilDay today) {
  std::vector<OverdueCandidate> overdue;
  for (const OverdueCandidate& candidate : candidates) {
    if (IsOverdue(candidate.state, candidate.respond_by, today)) overdue.push_back(candidate);
  }
  return overdue;
}

}  // namespace lifeline::referral
