// The webhook receiver behind the real HTTPS server, driven by the webhook client referral-service
// uses: signed deliveries (referrals and verification requests) are recorded once, everything else
// is refused before the log.
#include "tools/partner-sim/webhook_receiver.h"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <gmock/gmock.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"

#include "common/testing/process.h"
#include "common/testing/test_pki.h"
#include "common/webhook/signature.h"
#include "common/webhook/webhook_client.h"
#include "gateway/http/http_server.h"
#include "lifeline/partner/v1/partner_inbox.pb.h"

namespace lifeline::partner_sim {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace pb = ::lifeline::partner::v1;
using ::testing::HasSubstr;
using ::testing::Not;

using Headers = std::vector<std::pair<std::string, std::string>>;

constexpr char kLegalAidSecret[] = "legal-aid-secret-0123456789abcdef0123456789";
constexpr char kLawSecret[] = "law-popularization-secret-0123456789abcdefgh";
constexpr char kVillageSecret[] = "village-committee-secret-0123456789abcdefgh";
constexpr char kStrangerSecret[] = "nobody-knows-this-secret-0123456789abcdefgh";

int64_t Now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::vector<std::string> Lines(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

// The body referral-service sends: the request printed with proto field names.
std::string Body(const std::string& referral_id, const std::string& department) {
  pb::DeliverReferralRequest request;
  request.set_idempotency_key(referral_id);
  request.mutable_referral()->set_referral_id(referral_id);
  request.mutable_referral()->set_plan_id("plan_1");
  request.mutable_referral()->set_department(department);
  request.mutable_referral()->set_service("legal aid for unpaid compensation");
  request.mutable_referral()->set_respond_by("2026-12-03");
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  std::string json;
  EXPECT_TRUE(google::protobuf::util::MessageToJsonString(request, &json, options).ok());
  return json;
}

// The verification body referral-service sends: the DeliverVerificationRequest printed with proto
// field names.
std::string VerificationBody(const std::string& verification_id, const std::string& department) {
  pb::DeliverVerificationRequest request;
  request.set_idempotency_key(verification_id);
  pb::VerificationNotice* notice = request.mutable_verification();
  notice->set_verification_id(verification_id);
  notice->set_clue_id("clue_1");
  notice->set_department(department);
  notice->set_question("the family has no income since the father's death");
  notice->set_person_name("Zhang San");
  notice->set_person_id_masked("110101********1234");
  notice->set_region_code("110101");
  notice->set_respond_by("2026-12-10");
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  std::string json;
  EXPECT_TRUE(google::protobuf::util::MessageToJsonString(request, &json, options).ok());
  return json;
}

// The three headers of a webhook signed with `secret` at `timestamp`.
Headers Signed(const std::string& secret, int64_t timestamp, const std::string& body,
               const std::string& key) {
  return {{common::kWebhookTimestampHeader, absl::StrCat(timestamp)},
          {common::kWebhookIdempotencyKeyHeader, key},
          {common::kWebhookSignatureHeader, common::SignWebhook(secret, timestamp, body)}};
}

class WebhookReceiverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<common::testing::TestCertFiles> certs =
        common::testing::MakeTestCertificates(dir_.path(), "sim");
    ASSERT_TRUE(certs.ok()) << certs.status();
    certs_ = *certs;

    const std::string secrets_file = dir_.path() + "/webhook_secrets";
    {
      std::ofstream out(secrets_file);
      out << "# department secret\nlegal_aid " << kLegalAidSecret << "\nlaw_popularization "
          << kLawSecret << "\nvillage_committee " << kVillageSecret << "\n";
    }
    std::filesystem::permissions(
        secrets_file, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    auto secrets = common::LoadWebhookSecrets(secrets_file);
    ASSERT_TRUE(secrets.ok()) << secrets.status();

    auto log = ReceivedLog::Open(received_);
    ASSERT_TRUE(log.ok()) << log.status();
    log_ = *std::move(log);
    acceptor_ = std::make_unique<AutoAcceptor>(
        [this](const std::string& referral_id, const std::string& department) {
          accepted_.push_back(referral_id + "@" + department);
          return absl::OkStatus();
        },
        [this](const std::string& department,
               const referral::v1::AnswerVerificationRequest& request) {
          accepted_.push_back("answer " + request.verification_id() + "@" + department);
          return absl::OkStatus();
        },
        AutoAcceptor::Options{});
    receiver_ = std::make_unique<WebhookReceiver>(*std::move(secrets), log_.get(), acceptor_.get(),
                                                  WebhookReceiver::Options{});

    gateway::HttpServerOptions options;
    options.address = "127.0.0.1:0";
    options.tls_cert_file = certs_.cert_file;
    options.tls_key_file = certs_.key_file;
    server_ = std::make_unique<gateway::HttpServer>(options, receiver_.get());
    ASSERT_TRUE(server_->Start().ok());

    auto client = common::WebhookClient::Create({.ca_file = certs_.ca_cert_file});
    ASSERT_TRUE(client.ok()) << client.status();
    client_ = *std::move(client);
  }

  void TearDown() override {
    if (server_ != nullptr) server_->Stop();
    if (acceptor_ != nullptr) acceptor_->Stop();
  }

  std::string Url() const { return absl::StrCat("https://localhost:", server_->port(), "/inbox"); }

  common::WebhookResponse Post(const Headers& headers, const std::string& body) {
    absl::StatusOr<common::WebhookResponse> response = client_->Post(Url(), headers, body);
    EXPECT_TRUE(response.ok()) << response.status();
    return response.ok() ? *response : common::WebhookResponse{};
  }

  // A GET over HTTPS (the webhook client only POSTs); returns the status.
  int Get() {
    asio::io_context io;
    asio::ssl::context tls(asio::ssl::context::tls_client);
    tls.load_verify_file(certs_.ca_cert_file);
    tls.set_verify_mode(asio::ssl::verify_peer);
    beast::ssl_stream<beast::tcp_stream> stream(io, tls);
    SSL_set_tlsext_host_name(stream.native_handle(), "localhost");
    stream.set_verify_callback(asio::ssl::host_name_verification("localhost"));
    beast::get_lowest_layer(stream).connect(
        asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), server_->port()));
    stream.handshake(asio::ssl::stream_base::client);
    http::request<http::string_body> request(http::verb::get, "/inbox", 11);
    request.set(http::field::host, "localhost");
    http::write(stream, request);
    beast::flat_buffer buffer;
    http::response<http::string_body> response;
    http::read(stream, buffer, response);
    return response.result_int();
  }

  common::testing::TempDir dir_;
  const std::string received_ = dir_.path() + "/received.jsonl";
  common::testing::TestCertFiles certs_;
  std::unique_ptr<ReceivedLog> log_;
  // Accepted referrals and answered verifications, in order; written on the acceptor's thread,
  // read after WaitIdle.
  std::vector<std::string> accepted_;
  std::unique_ptr<AutoAcceptor> acceptor_;
  std::unique_ptr<WebhookReceiver> receiver_;
  std::unique_ptr<gateway::HttpServer> server_;
  std::unique_ptr<common::WebhookClient> client_;
};

TEST_F(WebhookReceiverTest, RecordsADeliveryOnceAndAnswersItsRetriesAgain) {
  const std::string body = Body("ref_1", "legal_aid");
  const int64_t now = Now();
  const Headers first = Signed(kLegalAidSecret, now, body, "ref_1");

  common::WebhookResponse response = Post(first, body);
  EXPECT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(response.body, R"({"partner_reference":"sim-ref_1"})");
  std::vector<std::string> lines = Lines(received_);
  ASSERT_EQ(lines.size(), 1u);
  pb::DeliverReferralRequest recorded;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(lines[0], &recorded).ok());
  EXPECT_EQ(recorded.idempotency_key(), "ref_1");
  EXPECT_EQ(recorded.referral().department(), "legal_aid");
  EXPECT_EQ(recorded.referral().respond_by(), "2026-12-03");

  // The sender's retry of the same event: a new timestamp, so a new signature.
  response = Post(Signed(kLegalAidSecret, now - 1, body, "ref_1"), body);
  EXPECT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(response.body, R"({"partner_reference":"sim-ref_1"})");
  EXPECT_EQ(Lines(received_).size(), 1u);

  // The first request again, byte for byte: somebody replaying what they captured.
  response = Post(first, body);
  EXPECT_EQ(response.status, 409) << response.body;
  EXPECT_EQ(Lines(received_).size(), 1u);

  // Another department, with its own secret.
  const std::string other = Body("ref_2", "law_popularization");
  response = Post(Signed(kLawSecret, now, other, "ref_2"), other);
  EXPECT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(Lines(received_).size(), 2u);

  // Only the new deliveries reach the acceptor.
  acceptor_->WaitIdle();
  EXPECT_THAT(accepted_, ::testing::ElementsAre("ref_1@legal_aid", "ref_2@law_popularization"));
  EXPECT_EQ(receiver_->accepted(), 3);
  EXPECT_EQ(receiver_->refused(), 1);
}

TEST_F(WebhookReceiverTest, RefusedRequestsNeverReachTheLog) {
  const std::string body = Body("ref_1", "legal_aid");
  const int64_t now = Now();
  struct Case {
    std::string what;
    Headers headers;
    std::string body;
    int status;
  };
  std::string tampered = body;
  tampered.replace(tampered.find("plan_1"), 6, "plan_9");
  const std::string unknown = Body("ref_3", "civil_affairs");
  const std::string incomplete =
      R"({"idempotency_key":"ref_1","referral":{"referral_id":"ref_1"}})";
  const std::string extra_field =
      R"({"idempotency_key":"ref_1","referral":{"referral_id":"ref_1","department":"legal_aid"},)"
      R"("surprise":1})";
  const std::vector<Case> cases = {
      {"wrong secret", Signed(kLawSecret, now, body, "ref_1"), body, 401},
      {"tampered body", Signed(kLegalAidSecret, now, body, "ref_1"), tampered, 401},
      {"stale timestamp", Signed(kLegalAidSecret, now - 1000, body, "ref_1"), body, 401},
      {"no signature",
       {{common::kWebhookTimestampHeader, absl::StrCat(now)},
        {common::kWebhookIdempotencyKeyHeader, "ref_1"}},
       body,
       401},
      {"unknown department", Signed(kStrangerSecret, now, unknown, "ref_3"), unknown, 401},
      {"malformed JSON", Signed(kLegalAidSecret, now, "{not json", "ref_1"), "{not json", 400},
      {"no department", Signed(kLegalAidSecret, now, incomplete, "ref_1"), incomplete, 400},
      {"unknown field", Signed(kLegalAidSecret, now, extra_field, "ref_1"), extra_field, 400},
      {"key header differs", Signed(kLegalAidSecret, now, body, "ref_2"), body, 400},
      {"no key header",
       {{common::kWebhookTimestampHeader, absl::StrCat(now)},
        {common::kWebhookSignatureHeader, common::SignWebhook(kLegalAidSecret, now, body)}},
       body,
       400},
  };
  for (const Case& c : cases) {
    common::WebhookResponse response = Post(c.headers, c.body);
    EXPECT_EQ(response.status, c.status) << c.what << ": " << response.body;
    // Errors say what is wrong, never with a secret.
    for (const char* secret : {kLegalAidSecret, kLawSecret, kVillageSecret, kStrangerSecret}) {
      EXPECT_THAT(response.body, Not(HasSubstr(secret))) << c.what;
    }
    if (c.what == "unknown department") {
      EXPECT_THAT(response.body, HasSubstr("unknown department"));
    }
  }
  EXPECT_EQ(Get(), 405);

  EXPECT_TRUE(Lines(received_).empty());
  EXPECT_EQ(log_->size(), 0u);
  EXPECT_EQ(receiver_->accepted(), 0);
  EXPECT_EQ(receiver_->refused(), static_cast<int>(cases.size()) + 1);

  // None of it spent the good request's signature: it is still accepted afterwards.
  common::WebhookResponse response = Post(Signed(kLegalAidSecret, now, body, "ref_1"), body);
  EXPECT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(Lines(received_).size(), 1u);
}

TEST_F(WebhookReceiverTest, RecordsAVerificationOnceAndQueuesItsAnswer) {
  const std::string body = VerificationBody("ver_1", "village_committee");
  const int64_t now = Now();
  const Headers first = Signed(kVillageSecret, now, body, "ver_1");

  common::WebhookResponse response = Post(first, body);
  EXPECT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(response.body, R"({"partner_reference":"sim-ver_1"})");
  std::vector<std::string> lines = Lines(received_);
  ASSERT_EQ(lines.size(), 1u);
  pb::DeliverVerificationRequest recorded;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(lines[0], &recorded).ok()) << lines[0];
  EXPECT_EQ(recorded.idempotency_key(), "ver_1");
  EXPECT_EQ(recorded.verification().department(), "village_committee");
  EXPECT_EQ(recorded.verification().clue_id(), "clue_1");
  EXPECT_EQ(recorded.verification().respond_by(), "2026-12-10");

  // The sender's retry: answered again, not written again.
  response = Post(Signed(kVillageSecret, now - 1, body, "ver_1"), body);
  EXPECT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(response.body, R"({"partner_reference":"sim-ver_1"})");
  // An exact replay.
  response = Post(first, body);
  EXPECT_EQ(response.status, 409) << response.body;
  // Signed with another department's secret: the department named in the body picks the secret.
  const std::string other = VerificationBody("ver_2", "village_committee");
  response = Post(Signed(kLegalAidSecret, now, other, "ver_2"), other);
  EXPECT_EQ(response.status, 401) << response.body;
  EXPECT_EQ(Lines(received_).size(), 1u);

  // A referral alongside, to the same URL.
  const std::string referral = Body("ref_1", "legal_aid");
  response = Post(Signed(kLegalAidSecret, now, referral, "ref_1"), referral);
  EXPECT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(response.body, R"({"partner_reference":"sim-ref_1"})");
  EXPECT_EQ(Lines(received_).size(), 2u);

  acceptor_->WaitIdle();
  EXPECT_THAT(accepted_,
              ::testing::ElementsAre("answer ver_1@village_committee", "ref_1@legal_aid"));
  EXPECT_EQ(receiver_->accepted(), 3);
  EXPECT_EQ(receiver_->refused(), 2);
}

TEST_F(WebhookReceiverTest, RefusesBodiesOfBothOrNeitherKindAndBadVerifications) {
  const int64_t now = Now();
  const std::string both =
      R"({"idempotency_key":"ver_1","referral":{"referral_id":"ver_1","department":"legal_aid"},)"
      R"("verification":{"verification_id":"ver_1","department":"village_committee"}})";
  const std::string neither = R"({"idempotency_key":"ver_1"})";
  const std::string not_an_object = R"(["ver_1"])";
  const std::string no_id =
      R"({"idempotency_key":"ver_1","verification":{"department":"village_committee"}})";
  const std::string extra_field =
      R"({"idempotency_key":"ver_1","verification":{"verification_id":"ver_1",)"
      R"("department":"village_committee","surprise":1}})";
  const std::string unknown = VerificationBody("ver_3", "civil_affairs");
  const std::string good = VerificationBody("ver_1", "village_committee");
  struct Case {
    std::string what;
    std::string body;
    std::string secret;
    std::string key;
    int status;
  };
  const std::vector<Case> cases = {
      {"both kinds", both, kVillageSecret, "ver_1", 400},
      {"both kinds, signed for the referral", both, kLegalAidSecret, "ver_1", 400},
      {"neither kind", neither, kVillageSecret, "ver_1", 400},
      {"not an object", not_an_object, kVillageSecret, "ver_1", 400},
      {"no verification_id", no_id, kVillageSecret, "ver_1", 400},
      {"unknown field", extra_field, kVillageSecret, "ver_1", 400},
      {"unknown department", unknown, kStrangerSecret, "ver_3", 401},
      {"key header differs", good, kVillageSecret, "ver_2", 400},
  };
  for (const Case& c : cases) {
    common::WebhookResponse response = Post(Signed(c.secret, now, c.body, c.key), c.body);
    EXPECT_EQ(response.status, c.status) << c.what << ": " << response.body;
    // Errors never quote the body (the person's name) or a secret.
    EXPECT_THAT(response.body, Not(HasSubstr("Zhang"))) << c.what;
    EXPECT_THAT(response.body, Not(HasSubstr(kVillageSecret))) << c.what;
  }
  EXPECT_TRUE(Lines(received_).empty());
  EXPECT_EQ(log_->size(), 0u);
  EXPECT_EQ(receiver_->refused(), static_cast<int>(cases.size()));
  acceptor_->WaitIdle();
  EXPECT_TRUE(accepted_.empty());
}

}  // namespace
}  // namespace lifeline::partner_sim
