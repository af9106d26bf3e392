// grpc.reflection.v1.ServerReflection, which grpcurl, Postman and current gRPC tools ask first.
// Debian's gRPC 1.51 ships only the older grpc.reflection.v1alpha service (also served); this is
// the same protocol under the v1 name, answered from the generated descriptor pool.
#pragma once

#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "grpc/reflection/v1/reflection.grpc.pb.h"

namespace lifeline::common {

class ReflectionV1Service final : public grpc::reflection::v1::ServerReflection::Service {
 public:
  // `services` names the server's services for list_services; it must outlive this and be filled
  // before the server serves.
  explicit ReflectionV1Service(const std::vector<std::string>* services) : services_(services) {}

  grpc::Status ServerReflectionInfo(
      grpc::ServerContext* context,
      grpc::ServerReaderWriter<grpc::reflection::v1::ServerReflectionResponse,
                               grpc::reflection::v1::ServerReflectionRequest>* stream) override;

 private:
  const std::vector<std::string>* services_;
};

}  // namespace lifeline::common
