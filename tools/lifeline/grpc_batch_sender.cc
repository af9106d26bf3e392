#include "tools/lifeline/grpc_batch_sender.h"

#include <algorithm>
#include <utility>

#include "common/auth/caller.h"
#include "common/server/channel.h"
#include "common/status/grpc_status.h"

namespace lifeline::tools {
namespace {

using ingest::v1::ListRejectionsRequest;
using ingest::v1::ListRejectionsResponse;
using ingest::v1::StreamRecordsRequest;
using ingest::v1::SubmitBatchRequest;
using ingest::v1::SubmitBatchResponse;

constexpr int kInitialReconnectBackoffMs = 250;
constexpr int kMaxReconnectBackoffMs = 2000;

}  // namespace

std::shared_ptr<grpc::Channel> MakeIngestChannel(const std::string& target) {
  grpc::ChannelArguments args = common::ClientChannelArguments();
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, kInitialReconnectBackoffMs);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, kInitialReconnectBackoffMs);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, kMaxReconnectBackoffMs);
  return grpc::CreateCustomChannel(target, common::ClientCredentials(), args);
}

GrpcBatchSender::GrpcBatchSender(std::shared_ptr<grpc::Channel> channel, Options options)
    : stub_(ingest::v1::IngestService::NewStub(std::move(channel))), options_(options) {
  options_.records_per_message = std::max(1, options_.records_per_message);
}

absl::StatusOr<SubmitBatchResponse> GrpcBatchSender::SubmitBatch(
    const SubmitBatchRequest& request) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + options_.timeout +
                       options_.timeout_per_record * static_cast<int64_t>(request.records_size()));
  if (absl::Status s = common::AttachCaller(common::InternalCaller(), &context); !s.ok()) return s;
  SubmitBatchResponse response;
  std::unique_ptr<grpc::ClientWriter<StreamRecordsRequest>> writer =
      stub_->StreamRecords(&context, &response);
  const int total = request.records_size();
  int next = 0;
  // The first message goes even for an empty batch, so that ingest answers with its own error.
  do {
    StreamRecordsRequest message;
    if (next == 0) {
      message.set_agency(request.agency());
      message.set_batch_id(request.batch_id());
    }
    const int end = std::min(total, next + options_.records_per_message);
    message.mutable_records()->Reserve(end - next);
    for (; next < end; ++next) *message.add_records() = request.records(next);
    // A failed write means the call is over (ingest answered early, or the connection broke):
    // Finish says why.
    if (!writer->Write(message)) break;
  } while (next < total);
  writer->WritesDone();
  grpc::Status status = writer->Finish();
  if (!status.ok()) return common::FromGrpcStatus(status);
  return response;
}

absl::StatusOr<ListRejectionsResponse> GrpcBatchSender::ListRejections(
    const ListRejectionsRequest& request) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + options_.timeout);
  if (absl::Status s = common::AttachCaller(common::InternalCaller(), &context); !s.ok()) return s;
  ListRejectionsResponse response;
  grpc::Status status = stub_->ListRejections(&context, request, &response);
  if (!status.ok()) return common::FromGrpcStatus(status);
  return response;
}

absl::StatusOr<ingest::v1::Batch> GrpcBatchSender::GetBatch(
    const ingest::v1::GetBatchRequest& request) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + options_.timeout);
  if (absl::Status s = common::AttachCaller(common::InternalCaller(), &context); !s.ok()) return s;
  ingest::v1::Batch batch;
  grpc::Status status = stub_->GetBatch(&context, request, &batch);
  if (!status.ok()) return common::FromGrpcStatus(status);
  return batch;
}

}  // namespace lifeline::tools
