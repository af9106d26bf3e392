#include "referral-service/rpc/escalation_scanner.h"

#include <optional>
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
  ASSIGN_OR_RETURN(int referrals, ScanReferrals(now, today));
  ASSIGN_OR_RETURN(int verifications, ScanVerifications(now, today));
  return referrals + verifications;
}

absl::StatusOr<int> EscalationScanner::ScanReferrals(absl::Time now, absl::CivilDay today) {
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

absl::StatusOr<int> EscalationScanner::ScanVerifications(absl::Time now, absl::CivilDay today) {
  int stored = 0;
  while (true) {
    ASSIGN_OR_RETURN(std::vector<Verification> overdue,
                     store_->ListVerificationsToEscalate(today, kBatchSize));
    std::vector<Verification> escalated;
    escalated.reserve(overdue.size());
    for (const Verification& verification : overdue) {
      std::optional<Verification> decided = DecideVerificationEscalation(verification, today, now);
      if (decided.has_value()) escalated.push_back(std::move(*decided));
    }
    ASSIGN_OR_RETURN(std::vector<Verification> applied, store_->EscalateVerifications(escalated));
    for (const Verification& verification : applied) {
      spdlog::warn("event=verification_escalated department={}", verification.department);
      if (verification_observer_) verification_observer_(verification);
    }
    stored += static_cast<int>(applied.size());
    // A stored escalation leaves the index, and so does one answered meanwhile; a full batch of
    // which nothing was stored would be read again, so it ends the scan.
    if (static_cast<int>(overdue.size()) < kBatchSize || escalated.empty()) return stored;
  }
}

}  // namespace lifeline::referral
