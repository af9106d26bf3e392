// Client channels as every Lifeline binary opens them: insecure inside the cluster (mTLS is the
// mesh's job) and with the same 64 MiB message limit the servers accept.
#pragma once

#include <memory>
#include <string>

#include <grpcpp/grpcpp.h>

namespace lifeline::common {

// The largest message a Lifeline channel sends or receives, in bytes.
inline constexpr int kMaxChannelMessageBytes = 64 * 1024 * 1024;

// Returns the channel arguments shared by network and in-process channels.
grpc::ChannelArguments ClientChannelArguments();

// Returns an insecure channel to `target` ("127.0.0.1:50051", "dns:///match-service:50051").
// Connection happens lazily on the first call.
std::shared_ptr<grpc::Channel> MakeClientChannel(const std::string& target);

// Returns a channel to `server` that does not touch the network (for in-process tests).
std::shared_ptr<grpc::Channel> InProcessChannel(grpc::Server& server);

}  // namespace lifeline::common
