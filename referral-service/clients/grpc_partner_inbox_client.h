// PartnerInboxClient over gRPC.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "absl/time/time.h"

#include "lifeline/partner/v1/partner_inbox.grpc.pb.h"
#include "referral-service/clients/partner_inbox_client.h"

namespace lifeline::referral {

// Calls PartnerInbox.DeliverReferral with a deadline, keeping one channel per target. Thread-safe.
class GrpcPartnerInboxClient : public PartnerInboxClient {
 public:
  explicit GrpcPartnerInboxClient(absl::Duration deadline = absl::Seconds(5))
      : deadline_(deadline) {}

  absl::StatusOr<std::string> Deliver(
      const std::string& target,
      const lifeline::partner::v1::DeliverReferralRequest& request) override;
  absl::StatusOr<std::string> DeliverVerification(
      const std::string& target,
      const lifeline::partner::v1::DeliverVerificationRequest& request) override;

 private:
  lifeline::partner::v1::PartnerInbox::Stub* StubFor(const std::string& target);
  // One unary call of the inbox (`call`, a Stub member) with the deadline and the service's
  // caller token.
  template <typename Request, typename Call>
  absl::StatusOr<std::string> Send(const std::string& target, const Request& request, Call call);

  absl::Duration deadline_;
  std::mutex mu_;
  std::map<std::string, std::unique_ptr<lifeline::partner::v1::PartnerInbox::Stub>> stubs_;
};

}  // namespace lifeline::referral
