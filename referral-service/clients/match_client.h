// Outbound calls to match-service: the clue's copy of verification requests and answers.
#pragma once

#include <memory>
#include <string>

#include <grpcpp/grpcpp.h>

#include "absl/status/status.h"
#include "absl/time/time.h"

#include "common/outbox/outbox.h"
#include "lifeline/match/v1/match_service.grpc.pb.h"

namespace lifeline::referral {

// Records verifications on clues. Implementations are thread-safe.
class MatchClient {
 public:
  virtual ~MatchClient() = default;
  // Errors: match-service's status (Unavailable, NotFound for an unknown clue, ...).
  virtual absl::Status RecordVerification(
      const lifeline::match::v1::RecordVerificationRequest& request) = 0;
};

// MatchService.RecordVerification over gRPC, as this service (an internal caller), with a
// deadline. Thread-safe.
class GrpcMatchClient : public MatchClient {
 public:
  GrpcMatchClient(std::shared_ptr<grpc::Channel> channel, absl::Duration deadline)
      : stub_(lifeline::match::v1::MatchService::NewStub(std::move(channel))),
        deadline_(deadline) {}

  absl::Status RecordVerification(
      const lifeline::match::v1::RecordVerificationRequest& request) override;

 private:
  std::unique_ptr<lifeline::match::v1::MatchService::Stub> stub_;
  absl::Duration deadline_;
};

// The sender of kClueVerificationTopic: each message (a RecordVerificationRequest, as the store
// queued it) to match-service in order. A clue match-service does not know, or a message it
// refuses as invalid, is settled without effect (logged: retrying would never succeed); any other
// failure fails the batch from that message on, retried after the dispatcher's backoff (one
// receiver: in-order, all or nothing beyond what was settled).
common::OutboxDispatcher::Sender MakeClueVerificationSender(MatchClient* client);

}  // namespace lifeline::referral
