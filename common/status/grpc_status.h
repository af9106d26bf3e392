// The one conversion between absl::Status and grpc::Status, used at every RPC edge.
#pragma once

#include <grpcpp/support/status.h>

#include "absl/status/status.h"

namespace lifeline::common {

// Converts an absl::Status to a grpc::Status with the same code and message. Internal errors keep
// their message here; the gateway hides Internal details from HTTP callers.
grpc::Status ToGrpcStatus(const absl::Status& status);

// Converts a grpc::Status (for example from an outbound call) to an absl::Status.
absl::Status FromGrpcStatus(const grpc::Status& status);

}  // namespace lifeline::common
