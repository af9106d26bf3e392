// lifeline-webhook-delivery-bench: how long referral-service takes to deliver --plans x 5
// referrals (default 2,000 x 5 = 10,000) to one department system over the signed HTTPS webhook
// on loopback. Starts the real referral-service and partner-sim binaries (from --bin_dir) in a
// temporary directory with a throw-away CA, opens the plans (not timed), then times from the
// first plan to the last referral recorded by the receiver and to referral-service's last
// delivery recorded, and prints deliveries/s. Bounded by --seconds.
//   lifeline-webhook-delivery-bench [--plans 2000] [--seconds 300] [--bin_dir build/release/bin]
#include <chrono>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "absl/strings/str_cat.h"

#include "common/config/flags.h"
#include "common/testing/process.h"
#include "common/testing/test_pki.h"
#include "lifeline/referral/v1/referral_service.grpc.pb.h"
#include <sys/stat.h>

namespace {

namespace v1 = lifeline::referral::v1;
namespace testing = lifeline::common::testing;
using Clock = std::chrono::steady_clock;

constexpr const char* kDepartments[] = {"legal_aid", "counselling", "law_popularization",
                                        "civil_affairs", "village_committee"};

size_t CountLines(const std::string& path) {
  std::ifstream in(path);
  size_t lines = 0;
  for (std::string line; std::getline(in, line);) lines += line.empty() ? 0 : 1;
  return lines;
}

bool WriteFile(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
  return chmod(path.c_str(), 0600) == 0;
}

int Fail(const std::string& what) {
  std::fprintf(stderr, "webhook-delivery-bench: %s\n", what.c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  int64_t plans = 2000;
  int64_t seconds = 300;
  std::string bin_dir = "build/release/bin";
  lifeline::common::FlagSet flags("webhook_delivery_bench");
  flags.Int("plans", &plans, "plans of five referrals each", 1, 100000);
  flags.Int("seconds", &seconds, "give up after this long", 10, 3600);
  flags.String("bin_dir", &bin_dir, "directory of referral-service and partner-sim");
  if (absl::Status parsed = flags.Parse(argc, argv); !parsed.ok()) {
    std::fprintf(stderr, "%s\n", std::string(parsed.message()).c_str());
    return absl::IsCancelled(parsed) ? 0 : 2;
  }
  testing::TempDir dir;
  auto path = [&dir](const std::string& name) { return dir.path() + "/" + name; };
  absl::StatusOr<testing::TestCertFiles> pki = testing::MakeTestCertificates(dir.path(), "hook");
  if (!pki.ok()) return Fail(pki.status().ToString());
  std::string secrets;
  std::string routes = "routes:\n";
  for (const char* department : kDepartments) {
    absl::StrAppend(&secrets, department, " ", department, "-secret-0123456789abcdefghijklmnop\n");
    absl::StrAppend(&routes, "  - need: every_plan\n    department: ", department,
                    "\n    service: help\n    reason: bench\n");
  }
  if (!WriteFile(path("secrets"), secrets) || !WriteFile(path("referral.yaml"), routes) ||
      !WriteFile(path("partners.yaml"), "partners: []\n")) {
    return Fail("cannot write the configuration");
  }

  // The receiver first: the directory needs its port.
  absl::StatusOr<testing::ChildProcess> sim = testing::ChildProcess::Start(
      bin_dir + "/partner-sim",
      {"--listen_address=127.0.0.1:0", "--insecure_loopback=true", "--metrics_address=",
       "--port_file=" + path("sim.port"), "--received_file=" + path("received.jsonl"),
       "--webhook_listen=127.0.0.1:0", "--webhook_port_file=" + path("webhook.port"),
       "--webhook_tls_cert_file=" + pki->cert_file, "--webhook_tls_key_file=" + pki->key_file,
       "--webhook_secrets_file=" + path("secrets"), "--log_level=warn"},
      {}, path("sim.log"));
  if (!sim.ok()) return Fail(sim.status().ToString());
  absl::StatusOr<int> webhook_port =
      testing::WaitForPortFile(path("webhook.port"), std::chrono::seconds(30));
  if (!webhook_port.ok()) return Fail(webhook_port.status().ToString());
  absl::StatusOr<testing::ChildProcess> referral = testing::ChildProcess::Start(
      bin_dir + "/referral-service",
      {"--listen_address=127.0.0.1:0", "--insecure_loopback=true",
       "--metrics_address=", "--port_file=" + path("referral.port"), "--data_dir=" + path("data"),
       "--routing_file=" + path("referral.yaml"), "--partners_file=" + path("partners.yaml"),
       "--calendar_file=" + testing::SourceDir() + "/config/holidays.yaml",
       "--webhook_secrets_file=" + path("secrets"), "--webhook_ca_file=" + pki->ca_cert_file,
       "--delivery_batch_size=50", "--log_level=warn"},
      {}, path("referral.log"));
  if (!referral.ok()) return Fail(referral.status().ToString());
  absl::StatusOr<int> referral_port =
      testing::WaitForPortFile(path("referral.port"), std::chrono::seconds(30));
  if (!referral_port.ok()) return Fail(referral_port.status().ToString());
  const std::string target = absl::StrCat("127.0.0.1:", *referral_port);
  if (!testing::WaitForServing(target, std::chrono::seconds(30)).ok()) return Fail("not serving");
  auto stub =
      v1::ReferralService::NewStub(grpc::CreateChannel(target, grpc::InsecureChannelCredentials()));
  const std::string url = absl::StrCat("https://127.0.0.1:", *webhook_port, "/lifeline");
  for (const char* department : kDepartments) {
    grpc::ClientContext context;
    v1::UpsertPartnerRequest request;
    request.mutable_partner()->set_department(department);
    request.mutable_partner()->set_display_name(department);
    request.mutable_partner()->set_respond_within_days(5);
    request.mutable_partner()->set_enabled(true);
    request.mutable_partner()->set_channel(v1::DELIVERY_CHANNEL_WEBHOOK);
    request.mutable_partner()->set_webhook_url(url);
    v1::Partner stored;
    if (!stub->UpsertPartner(&context, request, &stored).ok()) return Fail("UpsertPartner");
  }

  const size_t expected = static_cast<size_t>(plans) * 5;
  const auto start = Clock::now();
  for (int64_t i = 0; i < plans; ++i) {
    grpc::ClientContext context;
    v1::CreatePlanRequest request;
    request.set_clue_id(absl::StrCat("bench-clue-", i));
    request.mutable_person()->set_person_id(absl::StrCat("bench-person-", i));
    request.mutable_person()->set_id_masked("3415**********123X");
    v1::Plan plan;
    if (!stub->CreatePlan(&context, request, &plan).ok()) return Fail("CreatePlan");
  }
  const double planned = std::chrono::duration<double>(Clock::now() - start).count();
  const auto deadline = start + std::chrono::seconds(seconds);
  size_t received = 0;
  while (Clock::now() < deadline && (received = CountLines(path("received.jsonl"))) < expected) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  // referral-service has recorded each delivery once its outbox is empty: read the changes'
  // referrals until every one shows delivered.
  size_t delivered = 0;
  while (Clock::now() < deadline) {
    delivered = 0;
    std::string token;
    do {
      grpc::ClientContext context;
      v1::ListReferralsRequest request;
      request.set_page_size(500);
      request.set_page_token(token);
      v1::ListReferralsResponse response;
      if (!stub->ListReferrals(&context, request, &response).ok()) return Fail("ListReferrals");
      for (const v1::Referral& r : response.referrals()) delivered += r.delivery().delivered();
      token = response.next_page_token();
    } while (!token.empty());
    if (delivered >= expected) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  const double recorded = std::chrono::duration<double>(Clock::now() - start).count();
  std::printf(
      "webhook delivery: %zu of %zu referrals received over HTTPS in %.2f s (%.0f/s; plans "
      "opened in %.2f s); all %zu recorded delivered by %.2f s\n",
      received, expected, elapsed, static_cast<double>(received) / elapsed, planned, delivered,
      recorded);
  referral->Signal(SIGTERM).IgnoreError();
  sim->Signal(SIGTERM).IgnoreError();
  referral->Wait(std::chrono::seconds(20)).IgnoreError();
  sim->Wait(std::chrono::seconds(20)).IgnoreError();
  return received == expected && delivered == expected ? 0 : 1;
}
