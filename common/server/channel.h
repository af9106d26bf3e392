// Client channels as every Lifeline binary opens them: mutual TLS with the process's certificate
// when TLS files are installed (every binary outside loopback runs), plaintext otherwise, and the
// same 64 MiB message limit the servers accept.
#pragma once

#include <memory>
#include <string>

#include <grpcpp/grpcpp.h>
#include <grpcpp/security/tls_certificate_provider.h>

namespace lifeline::common {

// The largest message a Lifeline channel sends or receives, in bytes.
inline constexpr int kMaxChannelMessageBytes = 64 * 1024 * 1024;

// The PEM files of a process's TLS identity and of the CA it trusts for its peers. Certificates
// and keys are re-read when the files change (gRPC's file watcher, every minute), so they rotate
// without a restart.
struct TlsFiles {
  std::string cert_file;  // this process's certificate (chain), used as server and as client
  std::string key_file;   // its private key
  std::string ca_file;    // the CA whose certificates peers must present
  bool enabled() const { return !cert_file.empty(); }
};

// Installs the TLS files every later MakeClientChannel uses (empty: plaintext). Call once at
// start-up, before making channels.
void SetClientTls(TlsFiles files);

// Returns the channel arguments shared by network and in-process channels.
grpc::ChannelArguments ClientChannelArguments();

// Returns a channel to `target` ("127.0.0.1:50051", "dns:///match-service:50051"): mutual TLS
// when client TLS is installed (the server's certificate must name the target's host and chain
// to the CA), plaintext otherwise. Connection happens lazily on the first call.
std::shared_ptr<grpc::Channel> MakeClientChannel(const std::string& target);

// The credentials MakeClientChannel uses: mutual TLS with the installed files, else plaintext
// (for channels that need their own arguments).
std::shared_ptr<grpc::ChannelCredentials> ClientCredentials();

// A gRPC certificate provider watching `files` (shared by server and client credentials).
std::shared_ptr<grpc::experimental::CertificateProviderInterface> WatchTlsFiles(
    const TlsFiles& files);

// Returns a channel to `server` that does not touch the network (for in-process tests).
std::shared_ptr<grpc::Channel> InProcessChannel(grpc::Server& server);

}  // namespace lifeline::common
