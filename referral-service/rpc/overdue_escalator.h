// Escalation of overdue referrals: finds the referrals the domain's IsOverdue calls overdue,
// marks each once and reports it as an SLA breach.
#pragma once

#include <functional>
#include <string>

#include "absl/status/statusor.h"

#include "common/time/dates.h"
#include "referral-service/store/referral_store.h"

namespace lifeline::referral {

// One scan reads the candidates of OverdueQueryFor(today) (today in the deadline calendar,
// from the injected clock) from the store in batches, keeps those SelectOverdue keeps, marks them
// and, for each newly marked referral, logs `event=sla_breach department=...` (no personal
// data) and calls the observer (the SLA-breach counter). A referral is reported once, however
// often or concurrently the scan runs. main runs ScanOnce periodically (PeriodicTask).
// Thread-safe if the store and clock are.
class OverdueEscalator {
 public:
  // Called once per newly overdue referral with its department.
  using Observer = std::function<void(const std::string& department)>;
  // Candidates read per store call.
  static constexpr int kBatchSize = 500;

  OverdueEscalator(ReferralStore* store, const common::Clock* clock, Observer observer)
      : store_(store), clock_(clock), observer_(std::move(observer)) {}

  // Escalates every referral overdue now; returns how many. Errors: the store's.
  absl::StatusOr<int> ScanOnce();

 private:
  ReferralStore* store_;
  const common::Clock* clock_;
  Observer observer_;
};

}  // namespace lifeline::referral
