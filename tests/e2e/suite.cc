#include "tests/e2e/suite.h"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <utility>

#include "absl/strings/str_cat.h"

#include "common/status/status_macros.h"
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

namespace lifeline::e2e {

using ::lifeline::common::HttpRequestOptions;
using ::lifeline::common::HttpResponse;
using ::lifeline::common::SendHttpRequest;
using ::lifeline::common::testing::BinDir;
using ::lifeline::common::testing::ChildProcess;
using ::lifeline::common::testing::SourceDir;
using ::lifeline::common::testing::WaitForPortFile;
using ::lifeline::common::testing::WaitForServing;

namespace {

// Returns `status` with `what` and `detail` around its message.
absl::Status Annotated(const std::string& what, const absl::Status& status,
                       const std::string& detail = "") {
  if (status.ok()) return status;
  return absl::Status(status.code(), absl::StrCat(what, ": ", status.message(), detail));
}

}  // namespace

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  EXPECT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

std::string AgencyToken(const std::string& agency) {
  std::string dashed = agency;
  std::replace(dashed.begin(), dashed.end(), '_', '-');
  return "demo-submitter-" + dashed + "-token";
}

absl::StatusOr<ToolRun> RunTool(const std::string& binary, const std::vector<std::string>& args,
                                const std::string& log_path, std::chrono::milliseconds timeout) {
  ASSIGN_OR_RETURN(ChildProcess child,
                   ChildProcess::Start(BinDir() + "/" + binary, args, {}, log_path));
  absl::StatusOr<int> code = child.Wait(timeout);
  if (!code.ok()) {
    (void)child.Signal(SIGKILL);
    (void)child.Wait(std::chrono::seconds(5));
    return Annotated(binary, code.status(), "\n" + ReadFile(log_path));
  }
  ToolRun run;
  run.exit_code = *code;
  run.output = ReadFile(log_path);
  return run;
}

absl::StatusOr<std::unique_ptr<Suite>> Suite::Start() {
  std::unique_ptr<Suite> suite(new Suite());
  const std::string d = suite->dir();
  {
    std::ofstream key(d + "/id_token.key");
    key << "e2e-test-secret-0123456789abcdef\n";
  }
  // referral-service and partner-sim call each other: referral's port is fixed up front.
  const int referral_port = FreePort();
  const std::string referral_target = absl::StrCat("127.0.0.1:", referral_port);

  RETURN_IF_ERROR(suite->StartService(
      "partner-sim", {"--received_file=" + d + "/received.jsonl",
                      "--referral_target=" + referral_target, "--auto_accept=true"}));
  RETURN_IF_ERROR(suite->StartService(
      "referral-service",
      {"--data_dir=" + d + "/referral", "--partner_inbox_override=" + suite->Target("partner-sim"),
       "--routing_file=" + SourceDir() + "/config/referral.yaml",
       "--partners_file=" + SourceDir() + "/config/partners.yaml"},
      referral_target));
  RETURN_IF_ERROR(suite->StartService(
      "match-service", {"--data_dir=" + d + "/match", "--referral_target=" + referral_target,
                        "--eligibility_file=" + SourceDir() + "/config/eligibility.yaml"}));
  RETURN_IF_ERROR(suite->StartService(
      "ingest-service",
      {"--data_dir=" + d + "/ingest", "--match_target=" + suite->Target("match-service"),
       "--token_secret_file=" + d + "/id_token.key"}));
  RETURN_IF_ERROR(suite->StartService(
      "gateway",
      {"--http_address=127.0.0.1:0", "--http_port_file=" + d + "/gateway.http",
       "--ingest_target=" + suite->Target("ingest-service"),
       "--match_target=" + suite->Target("match-service"), "--referral_target=" + referral_target,
       "--tokens_file=" + SourceDir() + "/config/demo-tokens.yaml",
       "--audit_file=" + d + "/audit.jsonl"}));
  auto http = WaitForPortFile(d + "/gateway.http", kStartTimeout);
  RETURN_IF_ERROR(Annotated("gateway HTTP port", http.status()));
  suite->http_port_ = *http;
  return suite;
}

Suite::~Suite() {
  for (auto& s : services_) {
    if (s.process && s.process->running()) {
      (void)s.process->Signal(SIGKILL);
      (void)s.process->Wait(std::chrono::seconds(5));
    }
  }
}

absl::Status Suite::StartService(const std::string& name, std::vector<std::string> args,
                                 const std::string& listen) {
  const std::string d = dir();
  args.push_back("--listen_address=" + listen);
  args.push_back("--port_file=" + d + "/" + name + ".port");
  args.push_back("--metrics_address=127.0.0.1:0");
  args.push_back("--metrics_port_file=" + d + "/" + name + ".metrics");
  const std::string log = d + "/" + name + ".log";
  auto child = ChildProcess::Start(BinDir() + "/" + name, args, {}, log);
  RETURN_IF_ERROR(Annotated(name, child.status()));
  Service s;
  s.name = name;
  s.process = std::make_unique<ChildProcess>(std::move(*child));
  // Kept before waiting, so that the destructor stops it whatever happens next.
  services_.push_back(std::move(s));
  Service& started = services_.back();
  auto port = WaitForPortFile(d + "/" + name + ".port", kStartTimeout);
  if (!port.ok()) return Annotated(name, port.status(), "\n" + ReadFile(log));
  started.port = *port;
  auto metrics = WaitForPortFile(d + "/" + name + ".metrics", kStartTimeout);
  RETURN_IF_ERROR(Annotated(name, metrics.status()));
  started.metrics_port = *metrics;
  return Annotated(name, WaitForServing(absl::StrCat("127.0.0.1:", started.port), kStartTimeout));
}

std::string Suite::gateway_address() const { return absl::StrCat("127.0.0.1:", http_port_); }

std::string Suite::Target(const std::string& name) const {
  for (const auto& s : services_) {
    if (s.name == name) return absl::StrCat("127.0.0.1:", s.port);
  }
  ADD_FAILURE() << "no service " << name;
  return "";
}

HttpResponse Suite::Http(const std::string& method, const std::string& target,
                         const std::string& token, const std::string& body) const {
  HttpRequestOptions options;
  options.method = method;
  options.port = http_port_;
  options.target = target;
  options.body = body;
  options.bearer_token = token;
  auto response = SendHttpRequest(options);
  EXPECT_TRUE(response.ok()) << response.status();
  return response.ok() ? *response : HttpResponse{};
}

}  // namespace lifeline::e2e
