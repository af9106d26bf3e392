#include "tests/e2e/suite.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <utility>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

#include "common/auth/caller.h"
#include "common/server/channel.h"
#include "common/status/status_macros.h"
#include "common/testing/test_pki.h"
#include <netinet/in.h>
#include <signal.h>
#include <sqlite3.h>
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

// `bytes` random bytes as hex, from /dev/urandom.
std::string RandomHex(int bytes) {
  std::ifstream random("/dev/urandom", std::ios::binary);
  std::string out;
  static constexpr char kHex[] = "0123456789abcdef";
  for (int i = 0; i < bytes; ++i) {
    const auto byte = static_cast<unsigned char>(random.get());
    out += kHex[byte >> 4];
    out += kHex[byte & 15];
  }
  return out;
}

// Returns `status` with `what` and `detail` around its message.
absl::Status Annotated(const std::string& what, const absl::Status& status,
                       const std::string& detail = "") {
  if (status.ok()) return status;
  return absl::Status(status.code(), absl::StrCat(what, ": ", status.message(), detail));
}

}  // namespace

absl::StatusOr<int64_t> QueryInt(const std::string& path, const std::string& sql) {
  if (!std::filesystem::exists(path)) return absl::NotFoundError(absl::StrCat("no ", path));
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
  absl::Cleanup close = [db] { sqlite3_close(db); };
  if (rc != SQLITE_OK) {
    return absl::InternalError(absl::StrCat("open ", path, ": ", sqlite3_errstr(rc)));
  }
  // The service may hold the write lock for a moment.
  sqlite3_busy_timeout(db, 5000);
  sqlite3_stmt* statement = nullptr;
  rc = sqlite3_prepare_v2(db, sql.c_str(), -1, &statement, nullptr);
  absl::Cleanup finalize = [statement] { sqlite3_finalize(statement); };
  if (rc != SQLITE_OK) {
    return absl::InternalError(absl::StrCat(sql, ": ", sqlite3_errmsg(db)));
  }
  rc = sqlite3_step(statement);
  if (rc != SQLITE_ROW) {
    return absl::InternalError(absl::StrCat(sql, ": no row (", sqlite3_errmsg(db), ")"));
  }
  return static_cast<int64_t>(sqlite3_column_int64(statement, 0));
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void PrintElapsed(const std::string& what, std::chrono::steady_clock::time_point started) {
  const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - started);
  std::cout << what << " took " << elapsed.count() / 1000.0 << " s\n";
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

absl::StatusOr<std::unique_ptr<Suite>> Suite::Start(const SuiteOptions& options) {
  std::unique_ptr<Suite> suite(new Suite());
  suite->options_ = options;
  const std::string d = suite->dir();
  {
    std::ofstream key(d + "/id_token.key");
    key << "e2e-test-secret-0123456789abcdef\n";
  }
  // Every service runs as in production: mutual TLS with certificates of a CA made now, and
  // caller tokens signed with a fresh key. The test process and the tools it starts (through the
  // LIFELINE_TLS_* and LIFELINE_CALLER_KEY_FILE variables) hold the same.
  ASSIGN_OR_RETURN(common::testing::TestCertFiles certs,
                   common::testing::MakeTestCertificates(d, "suite"));
  const std::string caller_keys = d + "/caller.keys";
  {
    std::ofstream keys(caller_keys);
    keys << "e2e HS256 hex:" << RandomHex(32) << "\n";
  }
  suite->security_args_ = {"--tls_cert_file=" + certs.cert_file, "--tls_key_file=" + certs.key_file,
                           "--tls_ca_file=" + certs.ca_cert_file,
                           "--caller_key_file=" + caller_keys};
  setenv("LIFELINE_TLS_CERT_FILE", certs.cert_file.c_str(), 1);
  setenv("LIFELINE_TLS_KEY_FILE", certs.key_file.c_str(), 1);
  setenv("LIFELINE_TLS_CA_FILE", certs.ca_cert_file.c_str(), 1);
  setenv("LIFELINE_CALLER_KEY_FILE", caller_keys.c_str(), 1);
  common::SetClientTls({certs.cert_file, certs.key_file, certs.ca_cert_file});
  ASSIGN_OR_RETURN(std::shared_ptr<const common::CallerTokens> tokens,
                   common::CallerTokens::Open(caller_keys));
  common::InstallCallerTokens(std::move(tokens), "e2e-test");
  // referral-service, match-service and partner-sim call each other: referral's and match's
  // ports are fixed up front.
  const int referral_port = FreePort();
  const std::string referral_target = absl::StrCat("127.0.0.1:", referral_port);
  const std::string match_target = absl::StrCat("127.0.0.1:", FreePort());

  RETURN_IF_ERROR(suite->StartService(
      "partner-sim", {"--received_file=" + d + "/received.jsonl",
                      "--referral_target=" + referral_target, "--auto_accept=true"}));
  RETURN_IF_ERROR(suite->StartService(
      "referral-service",
      {"--data_dir=" + d + "/referral", "--partner_inbox_override=" + suite->Target("partner-sim"),
       "--routing_file=" + SourceDir() + "/config/referral.yaml",
       "--partners_file=" + SourceDir() + "/config/partners.yaml",
       "--calendar_file=" + SourceDir() + "/config/holidays.yaml",
       "--match_target=" + match_target},
      referral_target));
  RETURN_IF_ERROR(
      suite->StartService("match-service",
                          {"--data_dir=" + d + "/match", "--referral_target=" + referral_target,
                           "--eligibility_file=" + SourceDir() + "/config/eligibility.yaml"},
                          match_target));
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
       "--audit_file=" + d + "/audit.jsonl", "--audit_index_file=" + d + "/audit-index.db"}));
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
  if (auto extra = options_.extra_args.find(name); extra != options_.extra_args.end()) {
    args.insert(args.end(), extra->second.begin(), extra->second.end());
  }
  Service s;
  s.name = name;
  s.args = std::move(args);
  // Kept before starting, so that the destructor stops it whatever happens next.
  services_.push_back(std::move(s));
  return Launch(services_.back(), listen);
}

absl::Status Suite::Launch(Service& service, const std::string& listen) {
  const std::string d = dir();
  const std::string& name = service.name;
  const std::string port_file = d + "/" + name + ".port";
  const std::string metrics_file = d + "/" + name + ".metrics";
  // A restart must not read the previous run's ports.
  std::remove(port_file.c_str());
  std::remove(metrics_file.c_str());
  std::vector<std::string> args = service.args;
  args.insert(args.end(), security_args_.begin(), security_args_.end());
  args.push_back("--listen_address=" + listen);
  args.push_back("--port_file=" + port_file);
  args.push_back("--metrics_address=127.0.0.1:0");
  args.push_back("--metrics_port_file=" + metrics_file);
  const std::string log = LogPath(name);
  auto child = ChildProcess::Start(BinDir() + "/" + name, args, {}, log);
  RETURN_IF_ERROR(Annotated(name, child.status()));
  service.process = std::make_unique<ChildProcess>(std::move(*child));
  auto port = WaitForPortFile(port_file, kStartTimeout);
  if (!port.ok()) return Annotated(name, port.status(), "\n" + ReadFile(log));
  service.port = *port;
  auto metrics = WaitForPortFile(metrics_file, kStartTimeout);
  RETURN_IF_ERROR(Annotated(name, metrics.status()));
  service.metrics_port = *metrics;
  return Annotated(name, WaitForServing(absl::StrCat("127.0.0.1:", service.port), kStartTimeout));
}

Service* Suite::Find(const std::string& name) {
  for (auto& s : services_) {
    if (s.name == name) return &s;
  }
  ADD_FAILURE() << "no service " << name;
  return nullptr;
}

std::string Suite::LogPath(const std::string& name) const { return dir() + "/" + name + ".log"; }

absl::Status Suite::Kill(const std::string& name) {
  Service* s = Find(name);
  if (s == nullptr) return absl::NotFoundError(absl::StrCat("no service ", name));
  if (!s->process || !s->process->running()) {
    return absl::FailedPreconditionError(absl::StrCat(name, " is not running"));
  }
  RETURN_IF_ERROR(Annotated(name, s->process->Signal(SIGKILL)));
  return Annotated(name, s->process->Wait(std::chrono::seconds(5)).status());
}

absl::Status Suite::Restart(const std::string& name) {
  Service* s = Find(name);
  if (s == nullptr) return absl::NotFoundError(absl::StrCat("no service ", name));
  if (s->process && s->process->running()) {
    return absl::FailedPreconditionError(absl::StrCat(name, " still runs; stop it first"));
  }
  return Launch(*s, absl::StrCat("127.0.0.1:", s->port));
}

std::string Suite::Metrics(const std::string& name) {
  Service* s = Find(name);
  if (s == nullptr) return "";
  HttpRequestOptions options;
  options.port = s->metrics_port;
  options.target = "/metrics";
  auto response = SendHttpRequest(options);
  EXPECT_TRUE(response.ok()) << name << " /metrics: " << response.status();
  if (!response.ok()) return "";
  EXPECT_EQ(response->status, 200) << name << " /metrics: " << response->body;
  return response->body;
}

double MetricSum(const std::string& exposition, const std::string& name,
                 const std::vector<std::string>& labels) {
  double sum = 0;
  for (absl::string_view line : absl::StrSplit(exposition, '\n')) {
    if (!absl::StartsWith(line, name + "{") && !absl::StartsWith(line, name + " ")) continue;
    bool all = true;
    for (const auto& label : labels) all &= absl::StrContains(line, label);
    double value = 0;
    if (all && absl::SimpleAtod(line.substr(line.rfind(' ') + 1), &value)) sum += value;
  }
  return sum;
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
