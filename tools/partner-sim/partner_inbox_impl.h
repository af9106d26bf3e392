// lifeline.partner.v1.PartnerInbox as a simulated partner department: records each delivery once
// and optionally accepts the referral or answers the verification afterwards.
#pragma once

#include <grpcpp/grpcpp.h>

#include "lifeline/partner/v1/partner_inbox.grpc.pb.h"
#include "tools/partner-sim/auto_acceptor.h"
#include "tools/partner-sim/received_log.h"

namespace lifeline::partner_sim {

// Answers OK only after the delivery is on disk; a redelivery with a known idempotency key is
// acknowledged without being written, accepted or answered again. Thread-safe.
class PartnerInboxImpl final : public lifeline::partner::v1::PartnerInbox::Service {
 public:
  // `acceptor` may be null (no auto-accept or auto-answer). Neither is owned.
  PartnerInboxImpl(ReceivedLog* log, AutoAcceptor* acceptor) : log_(log), acceptor_(acceptor) {}

  grpc::Status DeliverReferral(grpc::ServerContext* context,
                               const lifeline::partner::v1::DeliverReferralRequest* request,
                               lifeline::partner::v1::DeliverReferralResponse* response) override;

  // Answers partner_reference "sim-<verification_id>".
  grpc::Status DeliverVerification(
      grpc::ServerContext* context,
      const lifeline::partner::v1::DeliverVerificationRequest* request,
      lifeline::partner::v1::DeliverReferralResponse* response) override;

 private:
  ReceivedLog* log_;
  AutoAcceptor* acceptor_;
};

}  // namespace lifeline::partner_sim
