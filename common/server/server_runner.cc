#include "common/server/server_runner.h"

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <exception>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/impl/server_builder_option.h>
#include <grpcpp/impl/server_builder_plugin.h>
#include <grpcpp/impl/server_initializer.h>
#include <grpcpp/security/tls_credentials_options.h>
#include <prometheus/exposer.h>
#include <prometheus/registry.h>
#include <spdlog/spdlog.h>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"

#include "common/metrics/grpc_server_metrics.h"
#include "common/metrics/metrics_interceptor.h"
#include "common/server/channel.h"
#include "common/server/reflection_v1.h"
#include "common/status/status_macros.h"
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

namespace lifeline::common {
namespace {

// Worker threads of the synchronous server kept waiting for calls (see Start).
constexpr int kMaxPollers = 8;

// Signals reach Wait() through this process-wide pipe. It is never drained: once the process has
// been told to stop, every Wait(), current or later, returns.
std::atomic<int> g_signal_pipe_write_fd{-1};
int g_signal_pipe_read_fd = -1;
std::atomic<int> g_signals_received{0};

void HandleStopSignal(int signal_number) {
  const int saved_errno = errno;
  if (g_signals_received.fetch_add(1) > 0) {
    // A second signal while draining: stop now, the way the default action would.
    ::signal(signal_number, SIG_DFL);
    ::raise(signal_number);
  }
  const int fd = g_signal_pipe_write_fd.load();
  if (fd >= 0) {
    const char byte = static_cast<char>(signal_number);
    const ssize_t ignored = ::write(fd, &byte, 1);
    (void)ignored;
  }
  errno = saved_errno;
}

// Creates the signal pipe and installs the SIGTERM/SIGINT handlers once per process.
absl::Status InstallStopSignalHandlers() {
  static std::once_flag once;
  static absl::Status result;
  std::call_once(once, [] {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) {
      result = absl::InternalError(absl::StrCat("pipe2 for signals: ", strerror(errno)));
      return;
    }
    g_signal_pipe_read_fd = fds[0];
    g_signal_pipe_write_fd.store(fds[1]);
    struct sigaction action = {};
    action.sa_handler = HandleStopSignal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    for (int signal_number : {SIGTERM, SIGINT}) {
      if (::sigaction(signal_number, &action, nullptr) != 0) {
        result =
            absl::InternalError(absl::StrCat("sigaction(", signal_number, "): ", strerror(errno)));
        return;
      }
    }
  });
  return result;
}

// Collects the names of the services a server was built with. gRPC hands the list to builder
// plugins only; this one exists to read it after the server has started.
class ServiceListPlugin final : public grpc::ServerBuilderPlugin {
 public:
  explicit ServiceListPlugin(std::vector<std::string>* names) : names_(names) {}
  std::string name() override { return "lifeline_service_list"; }
  void InitServer(grpc::ServerInitializer* /*initializer*/) override {}
  void Finish(grpc::ServerInitializer* initializer) override {
    const std::vector<std::string>* list = initializer->GetServiceList();
    if (list != nullptr) *names_ = *list;
  }
  void ChangeArguments(const std::string& /*name*/, void* /*value*/) override {}

 private:
  std::vector<std::string>* names_;
};

class ServiceListOption final : public grpc::ServerBuilderOption {
 public:
  explicit ServiceListOption(std::vector<std::string>* names) : names_(names) {}
  void UpdateArguments(grpc::ChannelArguments* /*args*/) override {}
  void UpdatePlugins(std::vector<std::unique_ptr<grpc::ServerBuilderPlugin>>* plugins) override {
    plugins->push_back(std::make_unique<ServiceListPlugin>(names_));
  }

 private:
  std::vector<std::string>* names_;
};

// Returns the address to connect to for a server listening on `listen_address` ("host:port"),
// without the port: wildcard hosts become loopback. Empty if the host is not a literal address.
std::string LoopbackHostFor(const std::string& listen_address) {
  const size_t colon = listen_address.rfind(':');
  std::string host = colon == std::string::npos ? std::string() : listen_address.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (host.empty() || host == "0.0.0.0") return "127.0.0.1";
  if (host == "::") return "::1";
  return host;
}

// Opens and closes one TCP connection to host:port; failures are ignored.
void Poke(const std::string& host, int port) {
  sockaddr_storage address = {};
  socklen_t length = 0;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&address);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&address);
  if (::inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(static_cast<uint16_t>(port));
    length = sizeof(sockaddr_in);
  } else if (::inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(static_cast<uint16_t>(port));
    length = sizeof(sockaddr_in6);
  } else {
    return;
  }
  const int fd = ::socket(address.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return;
  ::connect(fd, reinterpret_cast<sockaddr*>(&address), length);
  ::close(fd);
}

// Destroys the exposer. CivetWeb's listener thread only notices the stop request when its poll
// wakes, which without traffic takes up to two seconds; connecting to it ends that wait.
void StopExposer(std::unique_ptr<prometheus::Exposer>& exposer, const std::string& address,
                 int port) {
  if (exposer == nullptr) return;
  const std::string host = LoopbackHostFor(address);
  std::atomic<bool> stopped{false};
  std::thread waker;
  if (port > 0 && !host.empty()) {
    waker = std::thread([&stopped, &host, port] {
      while (!stopped.load()) {
        Poke(host, port);
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
    });
  }
  exposer.reset();
  stopped.store(true);
  if (waker.joinable()) waker.join();
}

}  // namespace

absl::Status WritePortFile(const std::string& path, int port) {
  const std::string temp_path = absl::StrCat(path, ".tmp.", ::getpid());
  const int fd = ::open(temp_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    return absl::InternalError(absl::StrCat("port file ", temp_path, ": open: ", strerror(errno)));
  }
  const std::string content = absl::StrCat(port, "\n");
  size_t written = 0;
  while (written < content.size()) {
    const ssize_t n = ::write(fd, content.data() + written, content.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int write_errno = errno;
      ::close(fd);
      ::unlink(temp_path.c_str());
      return absl::InternalError(
          absl::StrCat("port file ", temp_path, ": write: ", strerror(write_errno)));
    }
    written += static_cast<size_t>(n);
  }
  if (::close(fd) != 0) {
    const int close_errno = errno;
    ::unlink(temp_path.c_str());
    return absl::InternalError(
        absl::StrCat("port file ", temp_path, ": close: ", strerror(close_errno)));
  }
  if (::rename(temp_path.c_str(), path.c_str()) != 0) {
    const int rename_errno = errno;
    ::unlink(temp_path.c_str());
    return absl::InternalError(
        absl::StrCat("port file ", path, ": rename: ", strerror(rename_errno)));
  }
  return absl::OkStatus();
}

ServerRunner::ServerRunner(std::string service_name, ServerOptions options)
    : service_name_(std::move(service_name)),
      options_(std::move(options)),
      registry_(std::make_shared<prometheus::Registry>()),
      grpc_metrics_(std::make_shared<GrpcServerMetrics>(*registry_)) {
  // Without this pipe Shutdown() could not wake Wait(); a process out of descriptors at startup
  // is broken configuration.
  if (::pipe2(shutdown_pipe_, O_CLOEXEC | O_NONBLOCK) != 0) {
    spdlog::critical("event=server_pipe_failed service={} error=\"{}\"", service_name_,
                     strerror(errno));
    std::abort();
  }
}

ServerRunner::~ServerRunner() {
  if (server_ != nullptr && !stopped_) {
    server_->Shutdown(std::chrono::system_clock::now());
    server_->Wait();
  }
  server_.reset();
  StopExposer(exposer_, options_.metrics_address, metrics_port_);
  for (int& fd : shutdown_pipe_) {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
}

void ServerRunner::AddService(grpc::Service* service) { services_.push_back(service); }

absl::Status ServerRunner::Start() {
  if (server_ != nullptr) {
    return absl::FailedPreconditionError(absl::StrCat(service_name_, ": server already started"));
  }
  if (options_.max_receive_message_bytes <= 0) {
    return absl::InvalidArgumentError(absl::StrCat("max_receive_message_bytes: must be positive: ",
                                                   options_.max_receive_message_bytes));
  }
  RETURN_IF_ERROR(InstallStopSignalHandlers());

  // /metrics first: if its address is taken, nothing has been started that needs undoing.
  if (!options_.metrics_address.empty()) {
    try {
      exposer_ = std::make_unique<prometheus::Exposer>(options_.metrics_address);
    } catch (const std::exception& e) {
      return absl::UnavailableError(absl::StrCat("metrics_address ", options_.metrics_address,
                                                 ": cannot listen: ", e.what()));
    }
    exposer_->RegisterCollectable(registry_);
    const std::vector<int> ports = exposer_->GetListeningPorts();
    if (ports.empty()) {
      exposer_.reset();
      return absl::UnavailableError(
          absl::StrCat("metrics_address ", options_.metrics_address, ": no listening port"));
    }
    metrics_port_ = ports.front();
  }

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  std::shared_ptr<grpc::ServerCredentials> credentials = grpc::InsecureServerCredentials();
  if (options_.tls.enabled()) {
    for (const auto& [name, path] : {std::pair{"tls_cert_file", options_.tls.cert_file},
                                     std::pair{"tls_key_file", options_.tls.key_file},
                                     std::pair{"tls_ca_file", options_.tls.ca_file}}) {
      if (access(path.c_str(), R_OK) != 0) {
        StopExposer(exposer_, options_.metrics_address, metrics_port_);
        metrics_port_ = 0;
        return absl::FailedPreconditionError(absl::StrCat(name, " ", path, ": cannot read"));
      }
    }
    grpc::experimental::TlsServerCredentialsOptions tls(WatchTlsFiles(options_.tls));
    tls.watch_root_certs();
    tls.watch_identity_key_cert_pairs();
    tls.set_cert_request_type(GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
    credentials = grpc::experimental::TlsServerCredentials(tls);
  }
  grpc::ServerBuilder builder;
  int selected_port = 0;
  builder.AddListeningPort(options_.listen_address, credentials, &selected_port);
  builder.SetMaxReceiveMessageSize(options_.max_receive_message_bytes);
  // gRPC binds with SO_REUSEPORT by default, which would let a second server silently share a
  // port that is already taken; a taken port must be an error.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  // The synchronous server ends a worker thread whose call is done once two others poll for work,
  // and starts another for the next call: under 64 concurrent calls a new thread per call or so
  // (GetClue, 2 cores: 6,510 calls/s with the default 2, 6,988 with 8 kept polling).
  builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::MIN_POLLERS, 2);
  builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::MAX_POLLERS, kMaxPollers);
  for (grpc::Service* service : services_) builder.RegisterService(service);
  // grpc.reflection.v1 beside the plugin's v1alpha; its service list is filled below.
  reflection_v1_ = std::make_unique<ReflectionV1Service>(&service_names_);
  builder.RegisterService(reflection_v1_.get());
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> creators;
  creators.push_back(MakeMetricsInterceptorFactory(grpc_metrics_));
  builder.experimental().SetInterceptorCreators(std::move(creators));
  builder.SetOption(std::make_unique<ServiceListOption>(&service_names_));

  server_ = builder.BuildAndStart();
  if (server_ == nullptr || selected_port == 0) {
    if (server_ != nullptr) {
      server_->Shutdown(std::chrono::system_clock::now());
      server_->Wait();
      server_.reset();
    }
    StopExposer(exposer_, options_.metrics_address, metrics_port_);
    metrics_port_ = 0;
    return absl::UnavailableError(
        absl::StrCat("listen_address ", options_.listen_address, ": cannot listen"));
  }
  port_ = selected_port;

  grpc::HealthCheckServiceInterface* health = server_->GetHealthCheckService();
  if (health != nullptr) {
    health->SetServingStatus("", true);
    for (const std::string& name : service_names_) health->SetServingStatus(name, true);
  }

  if (!options_.metrics_port_file.empty()) {
    RETURN_IF_ERROR(WritePortFile(options_.metrics_port_file, metrics_port_));
  }
  // Written last: tests take the gRPC port file as the sign that everything is up.
  if (!options_.port_file.empty()) RETURN_IF_ERROR(WritePortFile(options_.port_file, port_));

  spdlog::info("event=server_started service={} port={} metrics_port={} services={}", service_name_,
               port_, metrics_port_, service_names_.size());
  return absl::OkStatus();
}

std::shared_ptr<grpc::Channel> ServerRunner::InProcessChannel() {
  if (server_ == nullptr) return nullptr;
  return common::InProcessChannel(*server_);
}

void ServerRunner::Wait() {
  if (server_ == nullptr || stopped_) return;

  pollfd fds[2] = {{shutdown_pipe_[0], POLLIN, 0}, {g_signal_pipe_read_fd, POLLIN, 0}};
  const char* reason = "shutdown";
  while (true) {
    const int ready = ::poll(fds, 2, -1);
    if (ready < 0) {
      if (errno == EINTR) continue;
      spdlog::error("event=server_wait_failed service={} error=\"{}\"", service_name_,
                    strerror(errno));
      break;
    }
    if (fds[1].revents != 0) {
      reason = "signal";
      break;
    }
    if (fds[0].revents != 0) break;
  }

  spdlog::info("event=server_draining service={} reason={} drain_timeout_ms={}", service_name_,
               reason, absl::ToInt64Milliseconds(options_.drain_timeout));
  if (grpc::HealthCheckServiceInterface* health = server_->GetHealthCheckService();
      health != nullptr) {
    // Shutdown() marks every service NOT_SERVING and ignores later changes.
    health->Shutdown();
  }
  server_->Shutdown(absl::ToChronoTime(absl::Now() + options_.drain_timeout));
  server_->Wait();
  stopped_ = true;
  spdlog::info("event=server_stopped service={}", service_name_);
}

absl::Status ServerRunner::Serve(const std::vector<BackgroundTask>& tasks,
                                 const std::function<std::string()>& fields) {
  RETURN_IF_ERROR(Start());
  size_t started = 0;
  absl::Status status;
  while (started < tasks.size() && status.ok()) {
    status = tasks[started].start();
    if (status.ok()) ++started;
  }
  if (status.ok()) {
    spdlog::info("event=serving port={} metrics_port={}{}", port_, metrics_port_,
                 fields ? fields() : "");
  } else {
    Shutdown();
  }
  Wait();
  while (started > 0) tasks[--started].stop();
  if (status.ok()) spdlog::info("event=stopped");
  return status;
}

void ServerRunner::Shutdown() {
  const char byte = 1;
  const ssize_t ignored = ::write(shutdown_pipe_[1], &byte, 1);
  (void)ignored;
}

}  // namespace lifeline::common
