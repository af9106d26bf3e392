// Forwards transcoded requests to the upstream gRPC services with grpc::GenericStub.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>
#include <grpcpp/channel.h>
#include <grpcpp/generic/generic_stub.h>

#include "absl/status/statusor.h"

#include "common/auth/caller.h"

namespace lifeline::gateway {

// One channel per upstream service, keyed by the service's full name. Fill with AddService before
// use; Call is then thread-safe. Destroying the pool waits for the calls in flight (each has a
// deadline) to finish and release what they held: their callbacks and gRPC contexts never
// outlive it.
class UpstreamPool {
 public:
  UpstreamPool() = default;
  UpstreamPool(const UpstreamPool&) = delete;
  UpstreamPool& operator=(const UpstreamPool&) = delete;
  ~UpstreamPool();

  using Callback = std::function<void(absl::StatusOr<std::unique_ptr<google::protobuf::Message>>)>;

  // Routes calls of `service_full_name` ("lifeline.match.v1.MatchService") to `channel`.
  void AddService(const std::string& service_full_name, std::shared_ptr<grpc::Channel> channel);

  // Calls `method` with `request`, the caller in metadata and a deadline `timeout` from now, and
  // later calls `done` (on a gRPC thread) with the response parsed into the method's output type
  // or the upstream status. Errors: Unavailable when no channel serves the method's service,
  // Internal when the response does not parse, otherwise the upstream's status.
  void Call(const google::protobuf::MethodDescriptor* method,
            const google::protobuf::Message& request, const common::Caller& caller,
            std::chrono::milliseconds timeout, Callback done);

  // One upstream's answer to grpc.health.v1.Health/Check.
  struct Health {
    std::string service;  // the service's full name
    bool serving = false;
    std::string detail;  // "SERVING", "NOT_SERVING", or the gRPC code of a failed check
  };
  // Asks every upstream's grpc.health.v1 whether it serves (within `timeout`), and later calls
  // `done` once, on a gRPC thread, with every answer in service-name order.
  void CheckHealth(std::chrono::milliseconds timeout,
                   std::function<void(std::vector<Health>)> done);

 private:
  void Started();
  void Finished();

  std::map<std::string, std::unique_ptr<grpc::GenericStub>> stubs_;
  std::mutex mu_;
  std::condition_variable idle_;
  int in_flight_ = 0;  // guarded by mu_
};

}  // namespace lifeline::gateway
