#include "referral-service/clients/fake_partner_inbox_client.h"

#include <algorithm>

namespace lifeline::referral {

absl::StatusOr<std::string> FakePartnerInboxClient::Deliver(
    const std::string& target, const lifeline::partner::v1::DeliverReferralRequest& request) {
  std::lock_guard<std::mutex> lock(mu_);
  calls_.push_back({target, request});
  if (!fail_all_.ok()) return fail_all_;
  if (!fail_next_.empty()) {
    absl::Status error = fail_next_.front();
    fail_next_.pop_front();
    if (!error.ok()) return error;
  }
  delivered_keys_.push_back(request.idempotency_key());
  return "fake-" + request.idempotency_key();
}

void FakePartnerInboxClient::FailNext(std::vector<absl::Status> errors) {
  std::lock_guard<std::mutex> lock(mu_);
  fail_next_.insert(fail_next_.end(), errors.begin(), errors.end());
}

void FakePartnerInboxClient::FailAll(absl::Status error) {
  std::lock_guard<std::mutex> lock(mu_);
  fail_all_ = std::move(error);
}

std::vector<FakePartnerInboxClient::Call> FakePartnerInboxClient::calls() const {
  std::lock_guard<std::mutex> lock(mu_);
  return calls_;
}

int FakePartnerInboxClient::DeliveredCount(const std::string& idempotency_key) const {
  std::lock_guard<std::mutex> lock(mu_);
  return static_cast<int>(
      std::count(delivered_keys_.begin(), delivered_keys_.end(), idempotency_key));
}

}  // namespace lifeline::referral
