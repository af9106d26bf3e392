#include "common/server/admit.h"

#include "common/server/request_limits.h"

namespace lifeline::common {

absl::StatusOr<Caller> AdmitCall(const grpc::ServerContextBase& context,
                                 const google::protobuf::Message* request) {
  absl::StatusOr<Caller> caller = AuthenticateCaller(context);
  if (!caller.ok()) return caller;
  if (request != nullptr) {
    if (absl::Status text = CheckRequestText(*request); !text.ok()) return text;
  }
  return caller;
}

}  // namespace lifeline::common
