// The whole Lifeline suite for e2e tests: partner-sim, referral-service, match-service,
// ingest-service and gateway, the real binaries on loopback port 0 (port files) with their state
// in one temporary directory, plus small helpers to drive them through the gateway.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include "absl/status/statusor.h"

#include "common/http/http_client.h"
#include "common/testing/process.h"

namespace lifeline::e2e {

inline constexpr auto kStartTimeout = std::chrono::seconds(30);
inline constexpr char kProcuratorToken[] = "demo-procurator-token";
inline constexpr char kAdminToken[] = "demo-admin-token";

// One started service: its name (= binary), process and bound ports.
struct Service {
  std::string name;
  std::unique_ptr<common::testing::ChildProcess> process;
  int port = 0;
  int metrics_port = 0;
  // What it was started with, besides the listen, port-file and metrics flags (for a restart).
  std::vector<std::string> args;
};

// How to start the suite.
struct SuiteOptions {
  // Flags added after the suite's own for a service, by service name, e.g.
  // {"ingest-service", {"--max_outbox_pending=500"}}. A repeated flag's last value wins, so they
  // can override the suite's choices, but not the listen, port-file and metrics flags, which
  // come last.
  std::map<std::string, std::vector<std::string>> extra_args;
};

// The running suite. Each service logs to <dir>/<name>.log, writes its state under <dir>/<name>
// and partner-sim records what it received in <dir>/received.jsonl. The destructor kills whatever
// still runs (SIGKILL) and removes the directory. Not thread-safe.
class Suite {
 public:
  // Starts the five services in dependency order (partner-sim first, gateway last), each waited
  // on until its port files exist and it answers grpc.health.v1 with SERVING.
  // Errors: from ChildProcess::Start, WaitForPortFile and WaitForServing, naming the service
  // (with its log when it never wrote its port).
  static absl::StatusOr<std::unique_ptr<Suite>> Start(const SuiteOptions& options = {});

  Suite(const Suite&) = delete;
  Suite& operator=(const Suite&) = delete;
  ~Suite();

  // The temporary directory holding every service's data, logs and port files.
  const std::string& dir() const { return dir_.path(); }
  // The gateway's HTTP port.
  int http_port() const { return http_port_; }
  // "127.0.0.1:<HTTP port>", as the lifeline CLI's --gateway takes it.
  std::string gateway_address() const;
  // The services in start order; tests may signal and wait on their processes.
  std::vector<Service>& services() { return services_; }
  // Returns "127.0.0.1:<gRPC port>" of the service `name`; adds a test failure and returns ""
  // when there is no such service.
  std::string Target(const std::string& name) const;
  // Returns the service `name`, or nullptr (and a test failure) when there is none.
  Service* Find(const std::string& name);
  // Returns the path of the service's log, which a restarted service appends to.
  std::string LogPath(const std::string& name) const;

  // Kills the service `name` with SIGKILL, as a crash would, and reaps it.
  // Errors: NotFound for an unknown service; FailedPrecondition when it is not running;
  // DeadlineExceeded when it has not died within 5 s.
  absl::Status Kill(const std::string& name);
  // Starts the stopped service `name` again with the arguments, gRPC port and data directory it
  // had, and waits for it as Start does (its metrics port may change). The other services keep
  // their targets. Errors: NotFound for an unknown service, FailedPrecondition while it still
  // runs, otherwise as Start.
  absl::Status Restart(const std::string& name);

  // Returns the Prometheus text of the service's /metrics; "" and a test failure when it cannot
  // be read.
  std::string Metrics(const std::string& name);

  // Sends one request to the gateway with `token` as bearer token. A transport failure adds a
  // test failure and yields an empty response (status 0).
  common::HttpResponse Http(const std::string& method, const std::string& target,
                            const std::string& token, const std::string& body = "") const;

 private:
  Suite() = default;
  // Starts `name` with `args`, the extra args of the options, and the listen, port-file and
  // metrics flags.
  absl::Status StartService(const std::string& name, std::vector<std::string> args,
                            const std::string& listen = "127.0.0.1:0");
  // Starts `service` (name and args set) listening on `listen`, and waits until it serves.
  absl::Status Launch(Service& service, const std::string& listen);

  SuiteOptions options_;

  common::testing::TempDir dir_;
  std::vector<Service> services_;
  // The TLS and caller-key flags every service starts with.
  std::vector<std::string> security_args_;
  int http_port_ = 0;
};

// What a tool run to completion left behind.
struct ToolRun {
  int exit_code = -1;  // 128+signal when killed by a signal
  std::string output;  // stdout and stderr, interleaved
};

// Runs BinDir()/`binary` with `args` until it exits, its output going to `log_path` (kept for
// diagnosis). Errors: from ChildProcess::Start; DeadlineExceeded (after killing it) when it runs
// longer than `timeout`.
absl::StatusOr<ToolRun> RunTool(const std::string& binary, const std::vector<std::string>& args,
                                const std::string& log_path, std::chrono::milliseconds timeout);

// Returns the whole content of `path` ("" when it cannot be read).
std::string ReadFile(const std::string& path);

// Picks a free loopback port for a service that others must know before it starts.
int FreePort();

// Prints "<what> took N.NNN s" since `started`, so a slow e2e flow shows in the test log.
void PrintElapsed(const std::string& what, std::chrono::steady_clock::time_point started);

// Returns the demo submitter token of `agency` (config/demo-tokens.yaml):
// civil_affairs -> demo-submitter-civil-affairs-token.
std::string AgencyToken(const std::string& agency);

// Sums the samples of `name` in a Prometheus text exposition whose labels include all `labels`
// (each written as key="value").
double MetricSum(const std::string& exposition, const std::string& name,
                 const std::vector<std::string>& labels = {});

// Runs `sql`, a query yielding one integer (e.g. SELECT COUNT(*) ...), on the SQLite database at
// `path` opened read-only, so that a running service's database can be checked while it works.
// Errors: NotFound when the file does not exist, Internal for an SQLite error.
absl::StatusOr<int64_t> QueryInt(const std::string& path, const std::string& sql);

// Parses a JSON body into `Message`, adding a test failure when it does not parse.
template <typename Message>
Message ParseJson(const std::string& body) {
  Message message;
  auto st = google::protobuf::util::JsonStringToMessage(body, &message);
  EXPECT_TRUE(st.ok()) << st.ToString() << " in " << body;
  return message;
}

}  // namespace lifeline::e2e
