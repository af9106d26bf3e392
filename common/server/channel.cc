#include "common/server/channel.h"

#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include <grpcpp/grpcpp.h>
#include <grpcpp/security/tls_certificate_provider.h>
#include <grpcpp/security/tls_credentials_options.h>

namespace lifeline::common {
namespace {

// How often gRPC re-reads certificate files.
constexpr unsigned int kCertificateRefreshSeconds = 60;

std::mutex& TlsMutex() {
  static std::mutex* mu = new std::mutex();
  return *mu;
}

TlsFiles& ClientTls() {
  static TlsFiles* files = new TlsFiles();
  return *files;
}

}  // namespace

std::shared_ptr<grpc::experimental::CertificateProviderInterface> WatchTlsFiles(
    const TlsFiles& files) {
  return std::make_shared<grpc::experimental::FileWatcherCertificateProvider>(
      files.key_file, files.cert_file, files.ca_file, kCertificateRefreshSeconds);
}

void SetClientTls(TlsFiles files) {
  std::lock_guard<std::mutex> lock(TlsMutex());
  ClientTls() = std::move(files);
}

grpc::ChannelArguments ClientChannelArguments() {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(kMaxChannelMessageBytes);
  args.SetMaxSendMessageSize(kMaxChannelMessageBytes);
  return args;
}

std::shared_ptr<grpc::ChannelCredentials> ClientCredentials() {
  TlsFiles tls;
  {
    std::lock_guard<std::mutex> lock(TlsMutex());
    tls = ClientTls();
  }
  if (!tls.enabled()) return grpc::InsecureChannelCredentials();
  grpc::experimental::TlsChannelCredentialsOptions options;
  options.set_certificate_provider(WatchTlsFiles(tls));
  options.watch_root_certs();
  options.watch_identity_key_cert_pairs();
  options.set_verify_server_certs(true);
  return grpc::experimental::TlsCredentials(options);
}

std::shared_ptr<grpc::Channel> MakeClientChannel(const std::string& target) {
  return grpc::CreateCustomChannel(target, ClientCredentials(), ClientChannelArguments());
}

std::shared_ptr<grpc::Channel> InProcessChannel(grpc::Server& server) {
  return server.InProcessChannel(ClientChannelArguments());
}

}  // namespace lifeline::common
