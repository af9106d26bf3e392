#include "common/testing/process.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

#include "common/server/channel.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace lifeline::common::testing {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::chrono::milliseconds kPollInterval{10};

// Decodes a waitpid status: the exit code, or 128+signal.
int DecodeWaitStatus(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

std::string GetEnvOrEmpty(const char* name) {
  const char* value = ::getenv(name);
  return value == nullptr ? std::string() : std::string(value);
}

}  // namespace

absl::StatusOr<ChildProcess> ChildProcess::Start(const std::string& binary,
                                                 const std::vector<std::string>& args,
                                                 const std::map<std::string, std::string>& env,
                                                 const std::string& log_path) {
  // Everything the child needs is prepared before fork: after fork in a multi-threaded parent
  // the child may only make async-signal-safe calls.
  std::vector<std::string> argv_strings;
  argv_strings.push_back(binary);
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& arg : argv_strings) argv.push_back(arg.data());
  argv.push_back(nullptr);

  std::map<std::string, std::string> merged_env;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    const std::string pair(*entry);
    const size_t eq = pair.find('=');
    if (eq == std::string::npos) continue;
    merged_env[pair.substr(0, eq)] = pair.substr(eq + 1);
  }
  for (const auto& [name, value] : env) merged_env[name] = value;
  std::vector<std::string> env_strings;
  for (const auto& [name, value] : merged_env)
    env_strings.push_back(absl::StrCat(name, "=", value));
  std::vector<char*> envp;
  for (std::string& entry : env_strings) envp.push_back(entry.data());
  envp.push_back(nullptr);

  const int log_fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) {
    return absl::InternalError(absl::StrCat("log file ", log_path, ": open: ", strerror(errno)));
  }

  const pid_t pid = ::fork();
  if (pid < 0) {
    const int fork_errno = errno;
    ::close(log_fd);
    return absl::InternalError(absl::StrCat("fork for ", binary, ": ", strerror(fork_errno)));
  }
  if (pid == 0) {
    ::setpgid(0, 0);
    const int null_fd = ::open("/dev/null", O_RDONLY);
    if (null_fd >= 0) ::dup2(null_fd, STDIN_FILENO);
    ::dup2(log_fd, STDOUT_FILENO);
    ::dup2(log_fd, STDERR_FILENO);
    // The parent's thread may have signals blocked; the child starts with none blocked.
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    // Ignored signals stay ignored across exec; the child gets the defaults.
    for (int signal_number : {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGPIPE}) {
      ::signal(signal_number, SIG_DFL);
    }
    ::execve(binary.c_str(), argv.data(), envp.data());
    _exit(127);
  }
  // Also from the parent, so the group exists before Start returns whichever runs first.
  ::setpgid(pid, pid);
  ::close(log_fd);
  return ChildProcess(pid);
}

ChildProcess::ChildProcess(ChildProcess&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)), exit_code_(std::exchange(other.exit_code_, -1)) {}

ChildProcess& ChildProcess::operator=(ChildProcess&& other) noexcept {
  if (this != &other) {
    this->~ChildProcess();
    pid_ = std::exchange(other.pid_, -1);
    exit_code_ = std::exchange(other.exit_code_, -1);
  }
  return *this;
}

ChildProcess::~ChildProcess() {
  if (pid_ <= 0 || exit_code_ >= 0) return;
  // The whole process group, so a shell's children go too.
  ::kill(-pid_, SIGKILL);
  ::kill(pid_, SIGKILL);
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  pid_ = -1;
}

absl::Status ChildProcess::Signal(int signal) {
  if (pid_ <= 0) return absl::FailedPreconditionError("no child process");
  if (exit_code_ >= 0) {
    return absl::FailedPreconditionError(absl::StrCat("process ", pid_, " has already exited"));
  }
  if (::kill(pid_, signal) != 0) {
    return absl::InternalError(absl::StrCat("kill(", pid_, ", ", signal, "): ", strerror(errno)));
  }
  return absl::OkStatus();
}

absl::StatusOr<int> ChildProcess::Wait(std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return absl::FailedPreconditionError("no child process");
  const Clock::time_point deadline = Clock::now() + timeout;
  while (exit_code_ < 0) {
    int status = 0;
    const pid_t reaped = ::waitpid(pid_, &status, WNOHANG);
    if (reaped == pid_) {
      exit_code_ = DecodeWaitStatus(status);
      break;
    }
    if (reaped < 0) {
      if (errno == EINTR) continue;
      return absl::InternalError(absl::StrCat("waitpid(", pid_, "): ", strerror(errno)));
    }
    const Clock::time_point now = Clock::now();
    if (now >= deadline) {
      return absl::DeadlineExceededError(
          absl::StrCat("process ", pid_, " still running after ", timeout.count(), " ms"));
    }
    std::this_thread::sleep_for(std::min<Clock::duration>(kPollInterval, deadline - now));
  }
  return exit_code_;
}

bool ChildProcess::running() {
  if (pid_ <= 0 || exit_code_ >= 0) return false;
  int status = 0;
  const pid_t reaped = ::waitpid(pid_, &status, WNOHANG);
  if (reaped == pid_) {
    exit_code_ = DecodeWaitStatus(status);
    return false;
  }
  return reaped == 0;
}

TempDir::TempDir() {
  std::string base = GetEnvOrEmpty("TMPDIR");
  if (base.empty()) base = "/tmp";
  std::string pattern = base + "/lifeline-test-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) {
    // A test cannot run without its scratch directory; this is broken setup, not test data.
    std::fprintf(stderr, "TempDir: mkdtemp(%s): %s\n", pattern.c_str(), strerror(errno));
    std::abort();
  }
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

absl::StatusOr<int> WaitForPortFile(const std::string& path, std::chrono::milliseconds timeout) {
  const Clock::time_point deadline = Clock::now() + timeout;
  while (true) {
    std::ifstream in(path);
    if (in) {
      std::stringstream content;
      content << in.rdbuf();
      int port = 0;
      if (absl::SimpleAtoi(absl::StripAsciiWhitespace(content.str()), &port) && port > 0 &&
          port < 65536) {
        return port;
      }
    }
    if (Clock::now() >= deadline) {
      return absl::DeadlineExceededError(
          absl::StrCat("port file ", path, ": no port after ", timeout.count(), " ms"));
    }
    std::this_thread::sleep_for(kPollInterval);
  }
}

absl::Status WaitForServing(const std::string& target, std::chrono::milliseconds timeout) {
  const Clock::time_point deadline = Clock::now() + timeout;
  // Mutual TLS when the test process installed client TLS (as the e2e suite does).
  std::shared_ptr<grpc::Channel> channel = MakeClientChannel(target);
  std::unique_ptr<grpc::health::v1::Health::Stub> stub = grpc::health::v1::Health::NewStub(channel);
  std::string last_error = "no answer";
  while (true) {
    grpc::ClientContext context;
    const auto attempt_deadline = std::min(Clock::now() + std::chrono::milliseconds(500), deadline);
    context.set_deadline(std::chrono::system_clock::now() + (attempt_deadline - Clock::now()));
    grpc::health::v1::HealthCheckRequest request;
    grpc::health::v1::HealthCheckResponse response;
    const grpc::Status status = stub->Check(&context, request, &response);
    if (status.ok() && response.status() == grpc::health::v1::HealthCheckResponse::SERVING) {
      return absl::OkStatus();
    }
    last_error = status.ok()
                     ? absl::StrCat("status ", response.status())
                     : absl::StrCat("code ", status.error_code(), ": ", status.error_message());
    if (Clock::now() >= deadline) {
      return absl::DeadlineExceededError(
          absl::StrCat(target, " not SERVING after ", timeout.count(), " ms: ", last_error));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

std::string BinDir() {
  std::string dir = GetEnvOrEmpty("LIFELINE_BIN_DIR");
  return dir.empty() ? std::string(LIFELINE_DEFAULT_BIN_DIR) : dir;
}

std::string SourceDir() {
  std::string dir = GetEnvOrEmpty("LIFELINE_SOURCE_DIR");
  return dir.empty() ? std::string(LIFELINE_DEFAULT_SOURCE_DIR) : dir;
}

}  // namespace lifeline::common::testing
