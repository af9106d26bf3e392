#include "gateway/proxy/upstream_pool.h"

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <grpcpp/client_context.h>
#include <grpcpp/support/byte_buffer.h>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

#include "common/status/grpc_status.h"
#include "grpc/health/v1/health.pb.h"

namespace lifeline::gateway {
namespace {

// The state of one call, alive until its completion callback has run.
struct PendingCall {
  grpc::ClientContext context;
  grpc::ByteBuffer request;
  grpc::ByteBuffer response;
};

// The bytes of `buffer`.
std::string BytesOf(grpc::ByteBuffer& buffer, bool* ok) {
  std::vector<grpc::Slice> slices;
  std::string bytes;
  *ok = buffer.Dump(&slices).ok();
  for (const grpc::Slice& piece : slices) {
    bytes.append(reinterpret_cast<const char*>(piece.begin()), piece.size());
  }
  return bytes;
}

// An upstream's answer parsed into `output`, or its status.
absl::StatusOr<std::unique_ptr<google::protobuf::Message>> ParseAnswer(
    const grpc::Status& status, grpc::ByteBuffer& response,
    const google::protobuf::Descriptor* output) {
  if (!status.ok()) return common::FromGrpcStatus(status);
  bool dumped = false;
  const std::string bytes = BytesOf(response, &dumped);
  if (!dumped) return absl::InternalError("cannot read the upstream response");
  const google::protobuf::Message* prototype =
      google::protobuf::MessageFactory::generated_factory()->GetPrototype(output);
  std::unique_ptr<google::protobuf::Message> parsed(prototype->New());
  if (!parsed->ParseFromString(bytes)) {
    return absl::InternalError("cannot parse the upstream response");
  }
  return parsed;
}

}  // namespace

UpstreamPool::~UpstreamPool() {
  std::unique_lock<std::mutex> lock(mu_);
  idle_.wait(lock, [this] { return in_flight_ == 0; });
}

void UpstreamPool::Started() {
  std::lock_guard<std::mutex> lock(mu_);
  ++in_flight_;
}

void UpstreamPool::Finished() {
  std::lock_guard<std::mutex> lock(mu_);
  if (--in_flight_ == 0) idle_.notify_all();
}

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
  if (absl::Status attached = common::AttachCaller(caller, &call->context); !attached.ok()) {
    done(attached);
    return;
  }

  const std::string path = absl::StrCat("/", method->service()->full_name(), "/", method->name());
  const google::protobuf::Descriptor* output = method->output_type();
  Started();
  it->second->UnaryCall(&call->context, path, grpc::StubOptions(), &call->request, &call->response,
                        [this, call, output, done = std::move(done)](grpc::Status status) mutable {
                          done(ParseAnswer(status, call->response, output));
                          // Everything the call held goes before the pool hears it is done (not
                          // whenever gRPC drops this callback): the caller's state, then the call's
                          // context.
                          done = nullptr;
                          call.reset();
                          Finished();
                        });
}

void UpstreamPool::CheckHealth(std::chrono::milliseconds timeout,
                               std::function<void(std::vector<Health>)> done) {
  struct Round {
    std::mutex mu;
    std::vector<Health> answers;
    size_t pending = 0;
    std::function<void(std::vector<Health>)> done;
  };
  auto round = std::make_shared<Round>();
  round->answers.resize(stubs_.size());
  round->pending = stubs_.size();
  round->done = std::move(done);
  if (stubs_.empty()) {
    round->done({});
    return;
  }
  size_t index = 0;
  for (const auto& [name, stub] : stubs_) {
    round->answers[index].service = name;
    auto call = std::make_shared<PendingCall>();
    // HealthCheckRequest{service: ""}: the server as a whole.
    grpc::Slice empty("");
    call->request = grpc::ByteBuffer(&empty, 1);
    call->context.set_deadline(std::chrono::system_clock::now() + timeout);
    Started();
    stub->UnaryCall(
        &call->context, "/grpc.health.v1.Health/Check", grpc::StubOptions(), &call->request,
        &call->response, [this, round, call, index](grpc::Status status) mutable {
          Health& answer = round->answers[index];
          if (!status.ok()) {
            answer.detail =
                absl::StrCat("check failed: ", common::FromGrpcStatus(status).code() ==
                                                       absl::StatusCode::kDeadlineExceeded
                                                   ? "DEADLINE_EXCEEDED"
                                                   : "UNAVAILABLE");
          } else {
            bool dumped = false;
            const std::string bytes = BytesOf(call->response, &dumped);
            grpc::health::v1::HealthCheckResponse response;
            answer.serving = dumped && response.ParseFromString(bytes) &&
                             response.status() == grpc::health::v1::HealthCheckResponse::SERVING;
            answer.detail =
                grpc::health::v1::HealthCheckResponse::ServingStatus_Name(response.status());
          }
          std::function<void(std::vector<Health>)> finish;
          {
            std::lock_guard<std::mutex> lock(round->mu);
            if (--round->pending == 0) finish = std::move(round->done);
          }
          if (finish) finish(std::move(round->answers));
          // As in Call: released before the pool hears this call is done.
          finish = nullptr;
          round.reset();
          call.reset();
          Finished();
        });
    ++index;
  }
}

}  // namespace lifeline::gateway
