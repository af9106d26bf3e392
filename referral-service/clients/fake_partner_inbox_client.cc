#include "referral-service/clients/fake_partner_inbox_client.h"

#include <algorithm>

namespace lifeline::referral {

absl::StatusOr<std::string> FakePartnerInboxClient::Deliver(
    const std::string& target, const lifeline::partner::v1::DeliverReferralRequest& request) {
  std::lock_guard<std::mutex> lock(mu_);
  calls_.push_back({target, request});
  if (absl::Status outcome = NextOutcome(); !outcome.ok()) return outcome;
  delivered_keys_.push_back(request.idempotency_key());
  return "fake-" + request.idempotency_key();
}

absl::StatusOr<std::string> FakePartnerInboxClient::DeliverVerification(
    const std::string& target, const lifeline::partner::v1::DeliverVerificationRequest& request) {
  std::lock_guard<std::mutex> lock(mu_);
  verification_targets_.push_back(target);
  if (absl::Status outcome = NextOutcome(); !outcome.ok()) return outcome;
  delivered_keys_.push_back(request.idempotency_key());
  return "fake-" + request.idempotency_key();
}

absl::Status FakePartnerInboxClient::NextOutcome() {
  if (!fail_all_.ok()) return fail_all_;
  if (!fail_next_.empty()) {
    absl::Status error = fail_next_.front();
    fail_next_.pop_front();
    return error;
  }
  return absl::OkStatus();
}

std::vector<std::string> FakePartnerInboxClient::verification_targets() const {
  std::lock_guard<std::mutex> lock(mu_);
  return verification_targets_;
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
