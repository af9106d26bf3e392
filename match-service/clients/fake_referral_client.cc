#include "match-service/clients/fake_referral_client.h"

#include "absl/strings/str_cat.h"

namespace lifeline::match {

absl::StatusOr<std::string> FakeReferralClient::CreatePlan(
    const referral::v1::CreatePlanRequest& request) {
  std::lock_guard<std::mutex> lock(mu_);
  requests_.push_back(request);
  if (!failure_.ok()) return failure_;
  if (request.clue_id().empty()) return absl::InvalidArgumentError("clue_id is required");
  auto [it, inserted] = plans_by_clue_.try_emplace(request.clue_id(), "");
  if (inserted) it->second = absl::StrCat("plan_", plans_by_clue_.size());
  return it->second;
}

void FakeReferralClient::SetFailure(absl::Status status) {
  std::lock_guard<std::mutex> lock(mu_);
  failure_ = std::move(status);
}

std::vector<referral::v1::CreatePlanRequest> FakeReferralClient::requests() const {
  std::lock_guard<std::mutex> lock(mu_);
  return requests_;
}

}  // namespace lifeline::match
