// ReferralClient over gRPC to referral-service. Thread-safe.
#pragma once

#include <memory>
#include <string>

#include <grpcpp/grpcpp.h>

#include "absl/time/time.h"

#include "lifeline/referral/v1/referral_service.grpc.pb.h"
#include "match-service/clients/referral_client.h"

namespace lifeline::match {

class GrpcReferralClient : public ReferralClient {
 public:
  GrpcReferralClient(std::shared_ptr<grpc::Channel> channel, absl::Duration timeout);

  // Errors: the call's status (Unavailable, DeadlineExceeded, ...); Internal if the plan comes
  // back without an id.
  absl::StatusOr<std::string> CreatePlan(const referral::v1::CreatePlanRequest& request) override;

 private:
  std::unique_ptr<referral::v1::ReferralService::Stub> stub_;
  absl::Duration timeout_;
};

}  // namespace lifeline::match
