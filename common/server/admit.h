// What every service handler does first: authenticate the caller and refuse oversized text.
#pragma once

#include <google/protobuf/message.h>
#include <grpcpp/server_context.h>

#include "absl/status/statusor.h"

#include "common/auth/caller.h"

namespace lifeline::common {

// The caller of an incoming call (AuthenticateCaller), once `request` (when not null) passed
// CheckRequestText. Errors: Unauthenticated, then InvalidArgument for a text field too long.
absl::StatusOr<Caller> AdmitCall(const grpc::ServerContextBase& context,
                                 const google::protobuf::Message* request);

}  // namespace lifeline::common
