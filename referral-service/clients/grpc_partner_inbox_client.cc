#include "referral-service/clients/grpc_partner_inbox_client.h"

#include <chrono>

#include <grpcpp/grpcpp.h>

#include "common/auth/caller.h"
#include "common/server/channel.h"
#include "common/status/grpc_status.h"

namespace lifeline::referral {

lifeline::partner::v1::PartnerInbox::Stub* GrpcPartnerInboxClient::StubFor(
    const std::string& target) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = stubs_.find(target);
  if (it == stubs_.end()) {
    it = stubs_
             .emplace(target, lifeline::partner::v1::PartnerInbox::NewStub(
                                  common::MakeClientChannel(target)))
             .first;
  }
  return it->second.get();
}

template <typename Request, typename Call>
absl::StatusOr<std::string> GrpcPartnerInboxClient::Send(const std::string& target,
                                                         const Request& request, Call call) {
  lifeline::partner::v1::PartnerInbox::Stub* stub = StubFor(target);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + absl::ToChronoMilliseconds(deadline_));
  if (absl::Status s = common::AttachCaller(common::InternalCaller(), &context); !s.ok()) return s;
  lifeline::partner::v1::DeliverReferralResponse response;
  grpc::Status status = (stub->*call)(&context, request, &response);
  if (!status.ok()) return common::FromGrpcStatus(status);
  return response.partner_reference();
}

absl::StatusOr<std::string> GrpcPartnerInboxClient::Deliver(
    const std::string& target, const lifeline::partner::v1::DeliverReferralRequest& request) {
  return Send(target, request, &lifeline::partner::v1::PartnerInbox::Stub::DeliverReferral);
}

absl::StatusOr<std::string> GrpcPartnerInboxClient::DeliverVerification(
    const std::string& target, const lifeline::partner::v1::DeliverVerificationRequest& request) {
  return Send(target, request, &lifeline::partner::v1::PartnerInbox::Stub::DeliverVerification);
}

}  // namespace lifeline::referral
