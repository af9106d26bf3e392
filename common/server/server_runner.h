// Runs a gRPC server the way every Lifeline service does: grpc.health.v1, reflection, the RPC
// metrics interceptor, a Prometheus /metrics endpoint, listen on port 0 with the chosen port
// written to a file (for tests), and a graceful drain on SIGTERM/SIGINT.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <grpcpp/grpcpp.h>
#include <prometheus/registry.h>

#include "absl/status/status.h"
#include "absl/time/time.h"

#include "common/server/channel.h"

namespace prometheus {
class Exposer;
}

namespace lifeline::common {

class GrpcServerMetrics;
class ReflectionV1Service;

// Work a server binary runs beside its gRPC server (an outbox dispatcher, a periodic task, an HTTP
// server): started once the server is up, stopped after it has drained.
struct BackgroundTask {
  // Wraps any object with Start() and Stop() returning void; not owned.
  template <typename T>
  BackgroundTask(T* task)  // NOLINT(google-explicit-constructor): Serve({&a, &b}) reads best
      : start([task] {
          task->Start();
          return absl::OkStatus();
        }),
        stop([task] { task->Stop(); }) {}
  BackgroundTask(std::function<absl::Status()> start_fn, std::function<void()> stop_fn)
      : start(std::move(start_fn)), stop(std::move(stop_fn)) {}

  std::function<absl::Status()> start;
  std::function<void()> stop;
};

struct ServerOptions {
  // gRPC listen address; port 0 picks a free port.
  std::string listen_address = "127.0.0.1:0";
  // When set, the bound gRPC port is written here (atomically) once the server is serving.
  std::string port_file;
  // Prometheus /metrics listen address ("" disables); port 0 picks a free port.
  std::string metrics_address = "127.0.0.1:0";
  // When set, the bound metrics port is written here.
  std::string metrics_port_file;
  // How long in-flight RPCs may take to finish after a shutdown signal.
  absl::Duration drain_timeout = absl::Seconds(10);
  // Largest request accepted, in bytes.
  int max_receive_message_bytes = 64 * 1024 * 1024;
  // When enabled, the server speaks TLS only and requires a client certificate issued by the CA
  // of `tls.ca_file` (mutual TLS); plaintext otherwise.
  TlsFiles tls;
};

// Owns one gRPC server and its metrics endpoint. Construct, AddService, Start, then Wait. Not
// thread-safe except Shutdown, which may be called from any thread.
class ServerRunner {
 public:
  ServerRunner(std::string service_name, ServerOptions options);
  ~ServerRunner();

  // The registry domain metrics are added to; served on /metrics with the RPC metrics.
  std::shared_ptr<prometheus::Registry> registry() const { return registry_; }

  // Registers a service; call before Start. The runner does not own it.
  void AddService(grpc::Service* service);

  // Builds and starts the server, health (every service SERVING), reflection and /metrics, and
  // writes the port files. From then on SIGTERM and SIGINT make Wait() return (a second signal
  // terminates the process at once). Errors: Unavailable if an address cannot be bound,
  // FailedPrecondition if already started, Internal if a port file cannot be written.
  absl::Status Start();

  int port() const { return port_; }
  int metrics_port() const { return metrics_port_; }

  // A channel to this server that does not touch the network (for in-process tests).
  std::shared_ptr<grpc::Channel> InProcessChannel();

  // Blocks until SIGTERM or SIGINT arrives or Shutdown() is called, then marks health
  // NOT_SERVING, drains in-flight RPCs for up to drain_timeout and stops. Returns at once if the
  // server was never started or has already stopped. The /metrics endpoint stays up until the
  // runner is destroyed.
  void Wait();

  // Asks Wait() to return (after draining). Safe from any thread.
  void Shutdown();

  // Runs a binary's server to the end: Start(), then starts `tasks` in order and logs
  // `event=serving port=<port> metrics_port=<port>` followed by `fields()` (" key=value ..."),
  // then Wait(), then stops the tasks in reverse order and logs `event=stopped`. Errors: those of
  // Start() or of a task's start, returned after stopping the tasks already started and draining.
  absl::Status Serve(const std::vector<BackgroundTask>& tasks = {},
                     const std::function<std::string()>& fields = nullptr);

 private:
  std::string service_name_;
  ServerOptions options_;
  std::shared_ptr<prometheus::Registry> registry_;
  std::vector<grpc::Service*> services_;
  std::shared_ptr<GrpcServerMetrics> grpc_metrics_;
  // Full names of every service the server ended up with (ours, health, reflection).
  std::vector<std::string> service_names_;
  // Shutdown() writes a byte to [1]; Wait() polls [0].
  int shutdown_pipe_[2] = {-1, -1};
  bool stopped_ = false;
  std::unique_ptr<ReflectionV1Service> reflection_v1_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<prometheus::Exposer> exposer_;
  int port_ = 0;
  int metrics_port_ = 0;
};

// Writes `port` to `path` atomically (temp file + rename). Errors: Internal.
absl::Status WritePortFile(const std::string& path, int port);

}  // namespace lifeline::common
