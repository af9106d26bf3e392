#include "common/server/channel.h"

#include <memory>
#include <string>

#include <grpcpp/grpcpp.h>

namespace lifeline::common {

grpc::ChannelArguments ClientChannelArguments() {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(kMaxChannelMessageBytes);
  args.SetMaxSendMessageSize(kMaxChannelMessageBytes);
  return args;
}

std::shared_ptr<grpc::Channel> MakeClientChannel(const std::string& target) {
  return grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(),
                                   ClientChannelArguments());
}

std::shared_ptr<grpc::Channel> InProcessChannel(grpc::Server& server) {
  return server.InProcessChannel(ClientChannelArguments());
}

}  // namespace lifeline::common
