#include "match-service/clients/grpc_referral_client.h"

#include <chrono>
#include <utility>

#include "absl/status/status.h"

#include "common/auth/caller.h"
#include "common/status/grpc_status.h"

namespace lifeline::match {

GrpcReferralClient::GrpcReferralClient(std::shared_ptr<grpc::Channel> channel,
                                       absl::Duration timeout)
    : stub_(referral::v1::ReferralService::NewStub(std::move(channel))), timeout_(timeout) {}

absl::StatusOr<std::string> GrpcReferralClient::CreatePlan(
    const referral::v1::CreatePlanRequest& request) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + absl::ToChronoMilliseconds(timeout_));
  if (absl::Status s = common::AttachCaller(common::InternalCaller(), &context); !s.ok()) return s;
  referral::v1::Plan plan;
  grpc::Status status = stub_->CreatePlan(&context, request, &plan);
  if (!status.ok()) return common::FromGrpcStatus(status);
  if (plan.plan_id().empty()) return absl::InternalError("CreatePlan returned no plan_id");
  return plan.plan_id();
}

}  // namespace lifeline::match
