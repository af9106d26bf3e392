// Delivery over every channel against the real binaries, and what "nothing lost, nothing doubled"
// means for it: referral-service killed with SIGKILL in the middle of dispatching 1,000 referrals
// delivers each exactly once after its restart; a department that is down gets everything once
// it is back while the others' deliveries go on; a webhook receiver refuses a bad or replayed
// signature; a polling department reads its referrals and they count as delivered.
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <google/protobuf/util/json_util.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

#include "common/testing/process.h"
#include "common/testing/test_pki.h"
#include "common/webhook/signature.h"
#include "common/webhook/webhook_client.h"
#include "lifeline/partner/v1/partner_inbox.pb.h"
#include "lifeline/referral/v1/referral_service.grpc.pb.h"
#include <sys/stat.h>

namespace lifeline::partner_sim {
namespace {

namespace v1 = ::lifeline::referral::v1;
using common::testing::ChildProcess;
using Clock = std::chrono::steady_clock;

constexpr std::chrono::seconds kStartup{30};
constexpr char kDepartments[][24] = {"legal_aid", "counselling", "law_popularization",
                                     "civil_affairs", "village_committee"};
constexpr char kSecretA[] = "legal-aid-secret-0123456789abcdefghijklmn";
constexpr char kSecretB[] = "counselling-secret-0123456789abcdefghijkl";
constexpr char kWrongSecret[] = "not-the-secret-the-receiver-has-0123456789";

// Idempotency keys of the deliveries (referrals and verification requests) partner-sim recorded,
// in order, with repeats if any.
std::vector<std::string> ReceivedKeys(const std::string& path) {
  std::vector<std::string> keys;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    // A referral's or a verification request's line: both carry idempotency_key.
    lifeline::partner::v1::DeliverReferralRequest request;
    google::protobuf::util::JsonParseOptions options;
    options.ignore_unknown_fields = true;
    EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(line, &request, options).ok()) << line;
    keys.push_back(request.idempotency_key());
  }
  return keys;
}

// Waits until `done` or the deadline; returns whether it became true.
template <typename Fn>
bool WaitUntil(Fn done, std::chrono::seconds limit = std::chrono::seconds(60)) {
  const auto deadline = Clock::now() + limit;
  while (Clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return done();
}

void WriteFile(const std::string& path, const std::string& text, mode_t mode = 0600) {
  std::ofstream(path) << text;
  ASSERT_EQ(chmod(path.c_str(), mode), 0);
}

class ChannelsE2eTest : public ::testing::Test {
 protected:
  // One partner entry of the directory file.
  struct Entry {
    std::string department;
    std::string inbox_target = "127.0.0.1:1";
    std::string channel = "DELIVERY_CHANNEL_GRPC";
    std::string webhook_url = {};
  };

  void SetUp() override {
    std::string routes = "routes:\n";
    for (const char* department : kDepartments) {
      absl::StrAppend(&routes, "  - need: every_plan\n    department: ", department,
                      "\n    service: help\n    reason: e2e\n");
    }
    WriteFile(Path("referral.yaml"), routes);
  }

  std::string Path(const std::string& name) const { return dir_.path() + "/" + name; }

  void WritePartners(const std::vector<Entry>& entries) {
    std::string text = "partners:\n";
    for (const Entry& e : entries) {
      absl::StrAppend(&text, "  - department: ", e.department, "\n    display_name: ", e.department,
                      "\n    inbox_target: \"", e.inbox_target,
                      "\"\n    respond_within_days: 5\n    enabled: true\n    channel: ", e.channel,
                      "\n");
      if (!e.webhook_url.empty()) {
        absl::StrAppend(&text, "    webhook_url: \"", e.webhook_url, "\"\n");
      }
    }
    WriteFile(Path("partners.yaml"), text);
  }

  // Starts referral-service on `port` (0: any) over the test's data directory; returns its
  // target.
  std::string StartReferral(int port, const std::vector<std::string>& extra = {}) {
    std::filesystem::remove(Path("referral.port"));
    std::vector<std::string> args = {
        absl::StrCat("--listen_address=127.0.0.1:", port),
        "--insecure_loopback=true",
        "--port_file=" + Path("referral.port"),
        "--metrics_address=",
        "--data_dir=" + Path("data"),
        "--routing_file=" + Path("referral.yaml"),
        "--partners_file=" + Path("partners.yaml"),
        "--calendar_file=" + common::testing::SourceDir() + "/config/holidays.yaml",
        "--delivery_batch_size=20",
        "--delivery_max_backoff_seconds=1"};
    args.insert(args.end(), extra.begin(), extra.end());
    absl::StatusOr<ChildProcess> process =
        ChildProcess::Start(common::testing::BinDir() + "/referral-service", args, {},
                            Path(absl::StrCat("referral-", ++referral_runs_, ".log")));
    EXPECT_TRUE(process.ok()) << process.status();
    if (!process.ok()) return "";
    referral_ = std::move(*process);
    absl::StatusOr<int> bound = common::testing::WaitForPortFile(Path("referral.port"), kStartup);
    EXPECT_TRUE(bound.ok()) << bound.status();
    if (!bound.ok()) return "";
    const std::string target = absl::StrCat("127.0.0.1:", *bound);
    EXPECT_TRUE(common::testing::WaitForServing(target, kStartup).ok());
    stub_ = v1::ReferralService::NewStub(
        grpc::CreateChannel(target, grpc::InsecureChannelCredentials()));
    return target;
  }

  // Starts a partner-sim named `name` with `args` (its gRPC inbox on `port`, 0: any); returns
  // the bound gRPC port.
  int StartSim(const std::string& name, int port, const std::vector<std::string>& args) {
    std::filesystem::remove(Path(name + ".port"));
    std::vector<std::string> all = {
        absl::StrCat("--listen_address=127.0.0.1:", port), "--insecure_loopback=true",
        "--port_file=" + Path(name + ".port"),
        "--metrics_address=", "--received_file=" + Path(name + ".jsonl")};
    all.insert(all.end(), args.begin(), args.end());
    absl::StatusOr<ChildProcess> process =
        ChildProcess::Start(common::testing::BinDir() + "/partner-sim", all, {},
                            Path(absl::StrCat(name, "-", ++sim_runs_, ".log")));
    EXPECT_TRUE(process.ok()) << process.status();
    if (!process.ok()) return 0;
    sims_.insert_or_assign(name, std::move(*process));
    absl::StatusOr<int> bound = common::testing::WaitForPortFile(Path(name + ".port"), kStartup);
    EXPECT_TRUE(bound.ok()) << bound.status();
    if (!bound.ok()) return 0;
    EXPECT_TRUE(common::testing::WaitForServing(absl::StrCat("127.0.0.1:", *bound), kStartup).ok());
    return *bound;
  }

  void StopSim(const std::string& name) {
    ChildProcess& sim = sims_.at(name);
    ASSERT_TRUE(sim.Signal(SIGTERM).ok());
    EXPECT_EQ(sim.Wait(std::chrono::seconds(20)).value_or(-1), 0);
    sims_.erase(name);
  }

  // Opens `plans` plans (five referrals each, one per department); returns their referrals,
  // id -> department.
  std::map<std::string, std::string> CreatePlans(int plans, const std::string& prefix) {
    std::map<std::string, std::string> referrals;
    for (int i = 0; i < plans; ++i) {
      grpc::ClientContext context;
      v1::CreatePlanRequest request;
      request.set_clue_id(absl::StrCat(prefix, "-clue-", i));
      request.mutable_person()->set_person_id(absl::StrCat(prefix, "-person-", i));
      request.mutable_person()->set_id_masked("3415**********123X");
      v1::Plan plan;
      grpc::Status status = stub_->CreatePlan(&context, request, &plan);
      EXPECT_TRUE(status.ok()) << status.error_message();
      for (const v1::Referral& r : plan.referrals()) referrals[r.referral_id()] = r.department();
    }
    return referrals;
  }

  // Every referral, id -> referral, paging through ListReferrals.
  std::map<std::string, v1::Referral> AllReferrals() {
    std::map<std::string, v1::Referral> all;
    std::string token;
    do {
      grpc::ClientContext context;
      v1::ListReferralsRequest request;
      request.set_page_size(500);
      request.set_page_token(token);
      v1::ListReferralsResponse response;
      grpc::Status status = stub_->ListReferrals(&context, request, &response);
      EXPECT_TRUE(status.ok()) << status.error_message();
      if (!status.ok()) break;
      for (const v1::Referral& r : response.referrals()) all[r.referral_id()] = r;
      token = response.next_page_token();
    } while (!token.empty());
    return all;
  }

  v1::Referral Get(const std::string& referral_id) {
    std::map<std::string, v1::Referral> all = AllReferrals();
    auto found = all.find(referral_id);
    if (found == all.end()) {
      ADD_FAILURE() << "no referral " << referral_id;
      return v1::Referral();
    }
    return found->second;
  }

  void TearDown() override {
    for (auto& [name, sim] : sims_) {
      if (sim.running()) {
        EXPECT_TRUE(sim.Signal(SIGTERM).ok());
        EXPECT_EQ(sim.Wait(std::chrono::seconds(20)).value_or(-1), 0) << name;
      }
    }
    if (referral_.has_value() && referral_->running()) {
      EXPECT_TRUE(referral_->Signal(SIGTERM).ok());
      EXPECT_EQ(referral_->Wait(std::chrono::seconds(20)).value_or(-1), 0);
    }
  }

  common::testing::TempDir dir_;
  std::optional<ChildProcess> referral_;
  std::map<std::string, ChildProcess> sims_;
  std::unique_ptr<v1::ReferralService::Stub> stub_;
  int referral_runs_ = 0;
  int sim_runs_ = 0;
};

// SIGKILL in the middle of dispatching 1,000 referrals: after the restart every referral is
// received, each exactly once by its idempotency key (the outbox resends what it had not yet
// settled; the receiver applies a key once).
TEST_F(ChannelsE2eTest, SigkillDuringDispatchLosesAndDoublesNothing) {
  const int sim_port = StartSim("sim", 0, {});
  std::vector<Entry> entries;
  for (const char* department : kDepartments) {
    entries.push_back({department, absl::StrCat("127.0.0.1:", sim_port)});
  }
  WritePartners(entries);
  const std::string target = StartReferral(0);
  ASSERT_FALSE(target.empty());
  const int port = std::stoi(target.substr(target.rfind(':') + 1));
  const std::map<std::string, std::string> referrals = CreatePlans(200, "kill");
  ASSERT_EQ(referrals.size(), 1000u);

  // Kill it while deliveries are going out.
  ASSERT_TRUE(WaitUntil([&] { return ReceivedKeys(Path("sim.jsonl")).size() >= 100; }));
  ASSERT_TRUE(referral_->Signal(SIGKILL).ok());
  referral_->Wait(std::chrono::seconds(10)).IgnoreError();
  const size_t at_kill = ReceivedKeys(Path("sim.jsonl")).size();
  EXPECT_LT(at_kill, 1000u) << "dispatch finished before the kill; the test proves nothing";
  RecordProperty("received_before_kill", static_cast<int>(at_kill));

  ASSERT_FALSE(StartReferral(port).empty());
  ASSERT_TRUE(WaitUntil([&] { return ReceivedKeys(Path("sim.jsonl")).size() >= 1000; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // anything doubled shows now
  const std::vector<std::string> keys = ReceivedKeys(Path("sim.jsonl"));
  EXPECT_EQ(keys.size(), 1000u);
  const std::set<std::string> unique(keys.begin(), keys.end());
  EXPECT_EQ(unique.size(), 1000u);
  for (const auto& [id, department] : referrals) EXPECT_TRUE(unique.contains(id)) << id;
  // And referral-service knows every one delivered.
  EXPECT_TRUE(WaitUntil([&] {
    std::map<std::string, v1::Referral> all = AllReferrals();
    if (all.size() != 1000u) return false;
    for (const auto& [id, r] : all) {
      if (!r.delivery().delivered()) return false;
    }
    return true;
  }));
}

// One department's receiver is down for a while: every other department's referrals arrive
// meanwhile (per-message backoff, no head-of-line blocking) and the down one's all arrive, once,
// after it is back.
TEST_F(ChannelsE2eTest, ADepartmentThatIsDownGetsEverythingLaterWhileOthersCarryOn) {
  const int down_port = StartSim("down", 0, {});
  StopSim("down");  // its port is known; nothing listens there now
  const int up_port = StartSim("up", 0, {});
  std::vector<Entry> entries;
  for (const char* department : kDepartments) {
    const bool down = std::string(department) == "legal_aid";
    entries.push_back({department, absl::StrCat("127.0.0.1:", down ? down_port : up_port)});
  }
  WritePartners(entries);
  ASSERT_FALSE(StartReferral(0).empty());
  const std::map<std::string, std::string> referrals = CreatePlans(100, "down");
  ASSERT_EQ(referrals.size(), 500u);

  // The other four departments' 400 arrive while legal aid is down.
  ASSERT_TRUE(WaitUntil([&] { return ReceivedKeys(Path("up.jsonl")).size() >= 400; }));
  EXPECT_EQ(ReceivedKeys(Path("up.jsonl")).size(), 400u);
  // Legal aid comes back on the same port: its 100 arrive, once each.
  ASSERT_EQ(StartSim("down", down_port, {}), down_port);
  ASSERT_TRUE(WaitUntil([&] { return ReceivedKeys(Path("down.jsonl")).size() >= 100; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  const std::vector<std::string> legal_aid = ReceivedKeys(Path("down.jsonl"));
  EXPECT_EQ(legal_aid.size(), 100u);
  EXPECT_EQ(std::set<std::string>(legal_aid.begin(), legal_aid.end()).size(), 100u);
  for (const std::string& key : legal_aid) EXPECT_EQ(referrals.at(key), "legal_aid");
  EXPECT_EQ(ReceivedKeys(Path("up.jsonl")).size(), 400u);
}

// The webhook channel over HTTPS: a department whose secret matches gets its referrals (signed,
// verified, recorded once); one whose signature the receiver cannot verify is refused and its
// referrals stay undelivered; a replayed request is refused; a polling department reads its
// referrals, which then count as delivered. Verification requests take the same channels.
TEST_F(ChannelsE2eTest, WebhookRefusesBadAndReplayedSignaturesAndPollingPicksUp) {
  absl::StatusOr<common::testing::TestCertFiles> pki =
      common::testing::MakeTestCertificates(dir_.path(), "webhook");
  ASSERT_TRUE(pki.ok()) << pki.status();
  // The receiver knows both secrets; referral-service signs counselling's with a wrong one.
  WriteFile(Path("sim-secrets"),
            absl::StrCat("legal_aid ", kSecretA, "\ncounselling ", kSecretB, "\n"));
  WriteFile(Path("referral-secrets"),
            absl::StrCat("legal_aid ", kSecretA, "\ncounselling ", kWrongSecret, "\n"));
  WritePartners({});  // the directory is filled below, once the ports are known
  const std::string target = StartReferral(0, {"--webhook_secrets_file=" + Path("referral-secrets"),
                                               "--webhook_ca_file=" + pki->ca_cert_file,
                                               "--delivery_max_attempts=3", "--match_target="});
  ASSERT_FALSE(target.empty());
  StartSim("hook", 0,
           {"--webhook_listen=127.0.0.1:0", "--webhook_port_file=" + Path("hook.webhook.port"),
            "--webhook_tls_cert_file=" + pki->cert_file, "--webhook_tls_key_file=" + pki->key_file,
            "--webhook_secrets_file=" + Path("sim-secrets"), "--poll_departments=village_committee",
            "--poll_interval_ms=50", "--referral_target=" + target, "--auto_accept=true"});
  absl::StatusOr<int> webhook_port =
      common::testing::WaitForPortFile(Path("hook.webhook.port"), kStartup);
  ASSERT_TRUE(webhook_port.ok()) << webhook_port.status();
  const std::string url = absl::StrCat("https://127.0.0.1:", *webhook_port, "/lifeline");
  for (const char* department : kDepartments) {
    v1::UpsertPartnerRequest request;
    v1::Partner* partner = request.mutable_partner();
    partner->set_department(department);
    partner->set_display_name(department);
    partner->set_respond_within_days(5);
    partner->set_enabled(true);
    const std::string name = department;
    if (name == "legal_aid" || name == "counselling") {
      partner->set_channel(v1::DELIVERY_CHANNEL_WEBHOOK);
      partner->set_webhook_url(url);
    } else if (name == "village_committee") {
      partner->set_channel(v1::DELIVERY_CHANNEL_POLLING);
    } else {
      partner->set_enabled(false);  // not part of this test
      partner->set_inbox_target("127.0.0.1:1");
    }
    grpc::ClientContext context;
    v1::Partner stored;
    grpc::Status status = stub_->UpsertPartner(&context, request, &stored);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }
  const std::map<std::string, std::string> referrals = CreatePlans(4, "hook");
  std::set<std::string> legal_aid, counselling, village;
  for (const auto& [id, department] : referrals) {
    if (department == "legal_aid") legal_aid.insert(id);
    if (department == "counselling") counselling.insert(id);
    if (department == "village_committee") village.insert(id);
  }
  ASSERT_EQ(legal_aid.size(), 4u);

  // Legal aid's arrive over the webhook and are accepted; the village committee's are polled.
  ASSERT_TRUE(WaitUntil([&] { return ReceivedKeys(Path("hook.jsonl")).size() >= 8; }));
  for (const std::string& id : legal_aid) {
    ASSERT_TRUE(WaitUntil([&] { return Get(id).state() == v1::REFERRAL_STATE_ACCEPTED; }));
    const v1::Referral r = Get(id);
    EXPECT_TRUE(r.delivery().delivered());
    EXPECT_EQ(r.delivery().partner_reference(), "sim-" + id);
  }
  for (const std::string& id : village) {
    ASSERT_TRUE(WaitUntil([&] { return Get(id).state() == v1::REFERRAL_STATE_ACCEPTED; }));
    EXPECT_TRUE(Get(id).delivery().delivered());
    EXPECT_EQ(Get(id).delivery().partner_reference(), "polled");
  }
  // Counselling's bad signatures are refused: never recorded, parked after three attempts.
  for (const std::string& id : counselling) {
    ASSERT_TRUE(WaitUntil([&] { return Get(id).delivery().undeliverable(); }));
    EXPECT_FALSE(Get(id).delivery().delivered());
    EXPECT_EQ(Get(id).delivery().last_error(), "FAILED_PRECONDITION");
  }
  const std::vector<std::string> keys = ReceivedKeys(Path("hook.jsonl"));
  EXPECT_EQ(keys.size(), 8u);
  for (const std::string& key : keys) EXPECT_FALSE(counselling.contains(key)) << key;

  // Verification requests go over the same channels: the webhook office's and the polling
  // office's arrive and are answered (partner-sim confirms them); counselling's, signed with the
  // wrong secret, is parked, listed for the admins and can be sent again.
  auto ask = [&](const std::string& department) {
    grpc::ClientContext context;
    v1::RequestVerificationRequest request;
    request.set_clue_id("hook-clue-0");
    request.set_department(department);
    request.set_question("Is the family still without income?");
    request.mutable_person()->set_name("Test Person");
    v1::Verification made;
    grpc::Status status = stub_->RequestVerification(&context, request, &made);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return made.verification_id();
  };
  auto verifications = [&](bool undeliverable_only) {
    grpc::ClientContext context;
    v1::ListVerificationsRequest request;
    request.set_clue_id(undeliverable_only ? "" : "hook-clue-0");
    request.set_undeliverable_only(undeliverable_only);
    v1::ListVerificationsResponse response;
    grpc::Status status = stub_->ListVerifications(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    std::map<std::string, v1::Verification> by_id;
    for (const v1::Verification& v : response.verifications()) by_id[v.verification_id()] = v;
    return by_id;
  };
  const std::string by_webhook = ask("legal_aid");
  const std::string by_polling = ask("village_committee");
  const std::string parked = ask("counselling");
  for (const std::string& id : {by_webhook, by_polling}) {
    ASSERT_TRUE(WaitUntil([&] {
      return verifications(false)[id].state() == v1::VERIFICATION_STATE_CONFIRMED;
    })) << id;
    EXPECT_TRUE(verifications(false)[id].delivery().delivered());
  }
  EXPECT_EQ(verifications(false)[by_polling].delivery().partner_reference(), "polled");
  EXPECT_EQ(verifications(false)[by_webhook].answered_by(), "partner-sim");
  ASSERT_TRUE(WaitUntil([&] { return verifications(true).contains(parked); }));
  EXPECT_EQ(verifications(true).size(), 1u);
  EXPECT_EQ(verifications(true)[parked].delivery().last_error(), "FAILED_PRECONDITION");
  {
    grpc::ClientContext context;
    v1::RetryVerificationDeliveryRequest request;
    request.set_verification_id(parked);
    v1::Verification retried;
    ASSERT_TRUE(stub_->RetryVerificationDelivery(&context, request, &retried).ok());
    EXPECT_FALSE(retried.delivery().undeliverable());
  }
  // Still signed with the wrong secret: refused again and parked again, never recorded.
  ASSERT_TRUE(WaitUntil([&] { return verifications(true).contains(parked); }));
  for (const std::string& key : ReceivedKeys(Path("hook.jsonl"))) EXPECT_NE(key, parked);

  // A request replayed byte for byte is refused; the same delivery signed anew is a harmless
  // duplicate.
  absl::StatusOr<std::unique_ptr<common::WebhookClient>> client =
      common::WebhookClient::Create({.ca_file = pki->ca_cert_file});
  ASSERT_TRUE(client.ok()) << client.status();
  lifeline::partner::v1::DeliverReferralRequest again;
  again.set_idempotency_key(*legal_aid.begin());
  again.mutable_referral()->set_referral_id(*legal_aid.begin());
  again.mutable_referral()->set_department("legal_aid");
  std::string body;
  google::protobuf::util::JsonPrintOptions print;
  print.preserve_proto_field_names = true;
  ASSERT_TRUE(google::protobuf::util::MessageToJsonString(again, &body, print).ok());
  const int64_t now = absl::ToUnixSeconds(absl::Now());
  const std::vector<std::pair<std::string, std::string>> headers = {
      {common::kWebhookTimestampHeader, absl::StrCat(now)},
      {common::kWebhookIdempotencyKeyHeader, again.idempotency_key()},
      {common::kWebhookSignatureHeader, common::SignWebhook(kSecretA, now, body)}};
  absl::StatusOr<common::WebhookResponse> first = (*client)->Post(url, headers, body);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->status, 200);
  absl::StatusOr<common::WebhookResponse> replayed = (*client)->Post(url, headers, body);
  ASSERT_TRUE(replayed.ok()) << replayed.status();
  EXPECT_EQ(replayed->status, 409);
  std::vector<std::pair<std::string, std::string>> forged = headers;
  forged[2].second = common::SignWebhook(kWrongSecret, now, body);
  absl::StatusOr<common::WebhookResponse> refused = (*client)->Post(url, forged, body);
  ASSERT_TRUE(refused.ok()) << refused.status();
  EXPECT_EQ(refused->status, 401);
  EXPECT_EQ(ReceivedKeys(Path("hook.jsonl")).size(), 10u);  // 8 referrals, 2 verifications
}

}  // namespace
}  // namespace lifeline::partner_sim
