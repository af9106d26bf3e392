#include "tools/partner-sim/partner_inbox_impl.h"

#include <spdlog/spdlog.h>

#include "common/status/grpc_status.h"

namespace lifeline::partner_sim {

grpc::Status PartnerInboxImpl::DeliverReferral(
    grpc::ServerContext* /*context*/, const lifeline::partner::v1::DeliverReferralRequest* request,
    lifeline::partner::v1::DeliverReferralResponse* response) {
  const auto& notice = request->referral();
  if (notice.referral_id().empty() || notice.department().empty()) {
    return common::ToGrpcStatus(
        absl::InvalidArgumentError("referral: referral_id and department are required"));
  }
  absl::StatusOr<bool> is_new = log_->Append(*request);
  if (!is_new.ok()) return common::ToGrpcStatus(is_new.status());
  // Referral ids and department codes only: the notice's name and ID fields stay out of logs.
  spdlog::info("event=delivery referral_id={} department={} duplicate={}", notice.referral_id(),
               notice.department(), !*is_new);
  if (*is_new && acceptor_ != nullptr)
    acceptor_->Enqueue(notice.referral_id(), notice.department());
  response->set_partner_reference("sim-" + request->idempotency_key());
  return grpc::Status::OK;
}

grpc::Status PartnerInboxImpl::DeliverVerification(
    grpc::ServerContext* /*context*/,
    const lifeline::partner::v1::DeliverVerificationRequest* request,
    lifeline::partner::v1::DeliverReferralResponse* response) {
  const auto& notice = request->verification();
  if (request->idempotency_key().empty() || notice.verification_id().empty() ||
      notice.department().empty()) {
    return common::ToGrpcStatus(absl::InvalidArgumentError(
        "idempotency_key, verification.verification_id and verification.department are "
        "required"));
  }
  absl::StatusOr<bool> is_new = log_->AppendVerification(*request);
  if (!is_new.ok()) return common::ToGrpcStatus(is_new.status());
  // Verification ids and department codes only: the question and the person stay out of logs.
  spdlog::info("event=delivery verification_id={} department={} duplicate={}",
               notice.verification_id(), notice.department(), !*is_new);
  if (*is_new && acceptor_ != nullptr) {
    acceptor_->EnqueueVerification(notice.verification_id(), notice.department());
  }
  response->set_partner_reference("sim-" + notice.verification_id());
  return grpc::Status::OK;
}

}  // namespace lifeline::partner_sim
