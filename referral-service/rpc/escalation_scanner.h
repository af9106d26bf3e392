// The escalation scan: looks at the referrals whose stage deadline (or its grace) may have
// passed, lets the domain decide (DecideEscalation, domain/deadlines.h) and stores the decisions
// with their history events; then does the same for verification requests no office answered by
// their respond-by day (DecideVerificationEscalation, domain/verification.h), which go onto the
// clue's history for the procurator who asked. Runs in main on a PeriodicTask.
#pragma once

#include <functional>

#include "absl/status/statusor.h"

#include "common/time/dates.h"
#include "referral-service/domain/working_days.h"
#include "referral-service/store/referral_store.h"

namespace lifeline::referral {

// One scan reads, in batches through an index, the referrals due a check today (today in the
// deadline calendar, from the injected clock), decides each and stores the decisions; for each
// stored event it logs `event=referral_escalated kind=... stage=... department=...` (no personal
// data) and calls the observer (the metrics). Then, the same way, the overdue verifications: each
// stored escalation logs `event=verification_escalated department=...` and calls the
// verification observer. Each is stored once, however often or concurrently the scan runs.
// Thread-safe if the store and clock are.
class EscalationScanner {
 public:
  // Called once per stored escalation event.
  using Observer = std::function<void(const AppliedEscalation& escalation)>;
  // Called once per stored verification escalation.
  using VerificationObserver = std::function<void(const Verification& escalated)>;
  // Referrals read per store call.
  static constexpr int kBatchSize = 500;

  // `calendar` counts the grace in working days; it, `store` and `clock` outlive the scanner.
  EscalationScanner(ReferralStore* store, const common::Clock* clock,
                    const WorkingCalendar* calendar, Observer observer,
                    VerificationObserver verification_observer = nullptr)
      : store_(store),
        clock_(clock),
        calendar_(calendar),
        observer_(std::move(observer)),
        verification_observer_(std::move(verification_observer)) {}

  // Escalates everything due now; returns the number of referral events and verification
  // escalations stored. Errors: the store's.
  absl::StatusOr<int> ScanOnce();

 private:
  absl::StatusOr<int> ScanReferrals(absl::Time now, absl::CivilDay today);
  absl::StatusOr<int> ScanVerifications(absl::Time now, absl::CivilDay today);

  ReferralStore* store_;
  const common::Clock* clock_;
  const WorkingCalendar* calendar_;
  Observer observer_;
  VerificationObserver verification_observer_;
};

}  // namespace lifeline::referral
