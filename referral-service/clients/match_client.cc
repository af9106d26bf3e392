#include "referral-service/clients/match_client.h"

#include <chrono>
#include <vector>

#include <spdlog/spdlog.h>

#include "common/auth/caller.h"
#include "common/status/grpc_status.h"

namespace lifeline::referral {

absl::Status GrpcMatchClient::RecordVerification(
    const lifeline::match::v1::RecordVerificationRequest& request) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + absl::ToChronoMilliseconds(deadline_));
  if (absl::Status s = common::AttachCaller(common::InternalCaller(), &context); !s.ok()) return s;
  lifeline::match::v1::RecordVerificationResponse response;
  return common::FromGrpcStatus(stub_->RecordVerification(&context, request, &response));
}

common::OutboxDispatcher::Sender MakeClueVerificationSender(MatchClient* client) {
  return
      [client](
          const std::vector<common::OutboxMessage>& batch) -> common::OutboxDispatcher::SendResult {
        common::OutboxDispatcher::SendResult result = absl::OkStatus();
        for (const common::OutboxMessage& message : batch) {
          lifeline::match::v1::RecordVerificationRequest request;
          if (!request.ParseFromString(message.payload)) {
            spdlog::error("event=clue_verification_dropped message_id={} reason=undecodable",
                          message.id);
            result.settled.push_back(message.id);
            continue;
          }
          absl::Status sent = client->RecordVerification(request);
          if (absl::IsNotFound(sent) || absl::IsInvalidArgument(sent)) {
            spdlog::error("event=clue_verification_dropped verification_id={} clue_id={} code={}",
                          request.verification().verification_id(), request.clue_id(),
                          absl::StatusCodeToString(sent.code()));
            result.settled.push_back(message.id);
            continue;
          }
          if (!sent.ok()) {
            result.status = sent;
            return result;
          }
          result.settled.push_back(message.id);
        }
        return result;
      };
}

}  // namespace lifeline::referral
