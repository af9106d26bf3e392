// Outbound calls to referral-service, behind an interface so tests use FakeReferralClient.
#pragma once

#include <string>

#include "absl/status/statusor.h"

#include "lifeline/referral/v1/referral_service.pb.h"

namespace lifeline::match {

class ReferralClient {
 public:
  virtual ~ReferralClient() = default;

  // Opens (or, for a clue already sent, returns) the plan for an approved clue and returns its
  // plan id. Errors: those of referral-service (Unavailable, InvalidArgument, ...).
  virtual absl::StatusOr<std::string> CreatePlan(
      const referral::v1::CreatePlanRequest& request) = 0;
};

}  // namespace lifeline::match
