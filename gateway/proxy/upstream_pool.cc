#include "gateway/proxy/upstream_pool.h"

#include <vector>

#include <grpcpp/client_context.h>
#include <grpcpp/support/byte_buffer.h>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

#include "common/status/grpc_status.h"

namespace lifeline::gateway {
namespace {

// The state of one call, alive until its completion callback has run.
struct PendingCall {
  grpc::ClientContext context;
  grpc::ByteBuffer request;
  grpc::ByteBuffer response;
};

}  // namespace

void UpstreamPool::AddService(const std::string& service_full_name,
                              std::shared_ptr<grpc::Channel> channel) {
  stubs_[service_full_name] = std::make_unique<grpc::GenericStub>(std::move(channel));
}

void UpstreamPool::Call(const google::protobuf::MethodDescriptor* method,
                        const google::protobuf::Message& request, const common::Caller& caller,
                        std::chrono::milliseconds timeout, Callback done) {
  auto it = stubs_.find(method->service()->full_name());
  if (it == stubs_.end()) {
    done(absl::UnavailableError(
        absl::StrCat("no upstream configured for ", method->service()->name())));
    return;
  }
  auto call = std::make_shared<PendingCall>();
  std::string serialized;
  if (!request.SerializeToString(&serialized)) {
    done(absl::InternalError("cannot serialize the request"));
    return;
  }
  grpc::Slice slice(serialized);
  call->request = grpc::ByteBuffer(&slice, 1);
  call->context.set_deadline(std::chrono::system_clock::now() + timeout);
  common::AddCallerMetadata(caller, &call->context);

  const std::string path = absl::StrCat("/", method->service()->full_name(), "/", method->name());
  const google::protobuf::Descriptor* output = method->output_type();
  it->second->UnaryCall(
      &call->context, path, grpc::StubOptions(), &call->request, &call->response,
      [call, output, done = std::move(done)](grpc::Status status) {
        if (!status.ok()) {
          done(common::FromGrpcStatus(status));
          return;
        }
        std::vector<grpc::Slice> slices;
        if (!call->response.Dump(&slices).ok()) {
          done(absl::InternalError("cannot read the upstream response"));
          return;
        }
        std::string bytes;
        for (const grpc::Slice& piece : slices) {
          bytes.append(reinterpret_cast<const char*>(piece.begin()), piece.size());
        }
        const google::protobuf::Message* prototype =
            google::protobuf::MessageFactory::generated_factory()->GetPrototype(output);
        std::unique_ptr<google::protobuf::Message> response(prototype->New());
        if (!response->ParseFromString(bytes)) {
          done(absl::InternalError("cannot parse the upstream response"));
          return;
        }
        done(std::move(response));
      });
}

}  // namespace lifeline::gateway
