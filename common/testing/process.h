// Helpers for e2e tests that start the real binaries: child processes, port files, health.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#include <sys/types.h>

namespace lifeline::common::testing {

// A child process started with fork/exec; stdout and stderr go to a log file. Killed with SIGKILL
// on destruction if still running. Not thread-safe.
class ChildProcess {
 public:
  // Starts `binary` with `args` (argv[1..]) and extra environment `env`, output to `log_path`.
  // Errors: Internal if fork/exec fails (exec failure shows as exit code 127).
  static absl::StatusOr<ChildProcess> Start(const std::string& binary,
                                            const std::vector<std::string>& args,
                                            const std::map<std::string, std::string>& env,
                                            const std::string& log_path);
  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&& other) noexcept;
  ~ChildProcess();

  pid_t pid() const { return pid_; }
  // Sends `signal` (e.g. SIGTERM).
  absl::Status Signal(int signal);
  // Waits up to `timeout` for exit. Returns the exit code, or 128+signal if killed by a signal.
  // Errors: DeadlineExceeded.
  absl::StatusOr<int> Wait(std::chrono::milliseconds timeout);
  bool running();

 private:
  explicit ChildProcess(pid_t pid) : pid_(pid) {}
  pid_t pid_ = -1;
  int exit_code_ = -1;
};

// A fresh temporary directory removed (recursively) on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Waits until `path` holds a port number. Errors: DeadlineExceeded.
absl::StatusOr<int> WaitForPortFile(const std::string& path, std::chrono::milliseconds timeout);

// Waits until the gRPC server at `target` answers grpc.health.v1 Check("") with SERVING.
// Errors: DeadlineExceeded.
absl::Status WaitForServing(const std::string& target, std::chrono::milliseconds timeout);

// Directory of the built binaries: $LIFELINE_BIN_DIR, else the build tree's bin/.
std::string BinDir();
// Repository root: $LIFELINE_SOURCE_DIR, else the source tree this was built from.
std::string SourceDir();

}  // namespace lifeline::common::testing
