// In-memory PartnerInboxClient for tests.
#pragma once

#include <deque>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"

#include "referral-service/clients/partner_inbox_client.h"

namespace lifeline::referral {

// Records every delivery and answers OK with reference "fake-<idempotency key>", unless told to
// fail. Thread-safe.
class FakePartnerInboxClient : public PartnerInboxClient {
 public:
  struct Call {
    std::string target;
    lifeline::partner::v1::DeliverReferralRequest request;
  };

  absl::StatusOr<std::string> Deliver(
      const std::string& target,
      const lifeline::partner::v1::DeliverReferralRequest& request) override;
  // Recorded by idempotency key like a referral (not in calls()); fails the same way.
  absl::StatusOr<std::string> DeliverVerification(
      const std::string& target,
      const lifeline::partner::v1::DeliverVerificationRequest& request) override;

  // Makes the next calls fail with these statuses, one per call, in order.
  void FailNext(std::vector<absl::Status> errors);
  // Makes every call fail with `error` until cleared with OkStatus.
  void FailAll(absl::Status error);

  // Every call so far, including failed ones.
  std::vector<Call> calls() const;
  // The targets verification requests were sent to, in order (failed ones included).
  std::vector<std::string> verification_targets() const;
  // Number of successful deliveries carrying `idempotency_key`.
  int DeliveredCount(const std::string& idempotency_key) const;

 private:
  mutable std::mutex mu_;
  // The next call's outcome: a queued or permanent failure, else OK (under mu_).
  absl::Status NextOutcome();

  std::vector<Call> calls_;
  std::vector<std::string> verification_targets_;
  std::vector<std::string> delivered_keys_;
  std::deque<absl::Status> fail_next_;
  absl::Status fail_all_;
};

}  // namespace lifeline::referral
