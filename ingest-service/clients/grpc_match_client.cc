#include "ingest-service/clients/grpc_match_client.h"

#include <cstdint>
#include <future>
#include <utility>

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <grpcpp/client_context.h>
#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/slice.h>
#include <grpcpp/support/stub_options.h>

#include "absl/strings/str_cat.h"

#include "common/auth/caller.h"
#include "common/status/grpc_status.h"

namespace lifeline::ingest {

std::string UpsertRecordsWire(const std::vector<std::string>& serialized_records) {
  // Each record as protobuf writes a repeated message field: its tag (field number, wire type 2:
  // length-delimited), its length and its bytes.
  constexpr uint32_t kTag =
      static_cast<uint32_t>(match::v1::UpsertRecordsRequest::kRecordsFieldNumber) << 3 | 2;
  size_t size = 0;
  for (const std::string& record : serialized_records) {
    size += google::protobuf::io::CodedOutputStream::VarintSize32(kTag) +
            google::protobuf::io::CodedOutputStream::VarintSize32(
                static_cast<uint32_t>(record.size())) +
            record.size();
  }
  std::string wire;
  wire.reserve(size);
  {
    google::protobuf::io::StringOutputStream stream(&wire);
    google::protobuf::io::CodedOutputStream coded(&stream);
    for (const std::string& record : serialized_records) {
      coded.WriteTag(kTag);
      coded.WriteVarint32(static_cast<uint32_t>(record.size()));
      coded.WriteString(record);
    }
  }
  return wire;
}

GrpcMatchClient::GrpcMatchClient(std::shared_ptr<grpc::Channel> channel, absl::Duration deadline)
    : stub_(std::move(channel)),
      method_(absl::StrCat("/", match::v1::MatchService::service_full_name(), "/UpsertRecords")),
      deadline_(deadline) {}

absl::Status GrpcMatchClient::SendRecords(const std::vector<std::string>& serialized_records) {
  const std::string wire = UpsertRecordsWire(serialized_records);
  grpc::Slice slice(wire);
  const grpc::ByteBuffer request(&slice, 1);
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + deadline_));
  if (absl::Status s = common::AttachCaller(common::InternalCaller(), &context); !s.ok()) return s;
  match::v1::UpsertRecordsResponse response;
  std::promise<grpc::Status> done;
  std::future<grpc::Status> status = done.get_future();
  stub_.UnaryCall(&context, method_, grpc::StubOptions(), &request, &response,
                  [&done](grpc::Status s) { done.set_value(std::move(s)); });
  return common::FromGrpcStatus(status.get());
}

}  // namespace lifeline::ingest
