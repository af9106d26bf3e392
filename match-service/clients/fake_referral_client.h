// An in-memory ReferralClient for tests: records every request, returns "plan_<n>" per distinct
// clue (idempotent per clue id like the real service), and can be told to fail. Thread-safe.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/status.h"

#include "match-service/clients/referral_client.h"

namespace lifeline::match {

class FakeReferralClient : public ReferralClient {
 public:
  absl::StatusOr<std::string> CreatePlan(const referral::v1::CreatePlanRequest& request) override;

  // Makes the next calls fail with `status` (OkStatus() to succeed again).
  void SetFailure(absl::Status status);
  // Every request received, failed ones included.
  std::vector<referral::v1::CreatePlanRequest> requests() const;

 private:
  mutable std::mutex mu_;
  absl::Status failure_;
  std::vector<referral::v1::CreatePlanRequest> requests_;
  std::map<std::string, std::string> plans_by_clue_;
};

}  // namespace lifeline::match
