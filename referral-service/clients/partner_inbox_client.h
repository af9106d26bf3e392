// Outbound calls to partner departments' PartnerInbox services.
#pragma once

#include <string>

#include "absl/status/statusor.h"

#include "lifeline/partner/v1/partner_inbox.pb.h"

namespace lifeline::referral {

// Delivers referrals to a department's inbox. Implementations are thread-safe.
class PartnerInboxClient {
 public:
  virtual ~PartnerInboxClient() = default;

  // Delivers `request` to the PartnerInbox at `target` and returns the department's reference
  // (possibly empty). Errors: the inbox's status (Unavailable, DeadlineExceeded, ...).
  virtual absl::StatusOr<std::string> Deliver(
      const std::string& target, const lifeline::partner::v1::DeliverReferralRequest& request) = 0;
  // Delivers a verification request the same way (PartnerInbox.DeliverVerification).
  virtual absl::StatusOr<std::string> DeliverVerification(
      const std::string& target,
      const lifeline::partner::v1::DeliverVerificationRequest& request) = 0;
};

}  // namespace lifeline::referral
