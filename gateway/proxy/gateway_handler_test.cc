// The gateway's HTTP server and handler in front of fake upstream gRPC services, driven over
// loopback HTTP.
#include "gateway/proxy/gateway_handler.h"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <gmock/gmock.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>
#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include "common/auth/caller.h"
#include "common/auth/jwt.h"
#include "common/csv/encoding.h"
#include "common/http/http_client.h"
#include "gateway/http/http_server.h"
#include "lifeline/ingest/v1/ingest_service.grpc.pb.h"
#include "lifeline/match/v1/match_service.grpc.pb.h"
#include "lifeline/referral/v1/referral_service.grpc.pb.h"
#include <unistd.h>

namespace lifeline::gateway {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kCourtToken[] = "court-token";
constexpr char kProcuratorToken[] = "procurator-token";
constexpr char kPartnerToken[] = "partner-token";
constexpr char kAdminToken[] = "admin-token";
constexpr char kPersonalName[] = "SECRET-NAME-\xE5\xBC\xA0\xE4\xB8\x89";
constexpr char kIdNumber[] = "110101199003071234";

// What a fake saw of one call.
struct Seen {
  std::mutex mu;
  std::string last_request_debug;
  common::Caller caller;
  int calls = 0;

  void Record(const grpc::ServerContext& context, const google::protobuf::Message& request) {
    std::lock_guard<std::mutex> lock(mu);
    last_request_debug = request.ShortDebugString();
    caller = common::AuthenticateCaller(context).value_or(common::Caller{});
    ++calls;
  }
};

class FakeIngest final : public ingest::v1::IngestService::Service {
 public:
  grpc::Status SubmitBatch(grpc::ServerContext* context,
                           const ingest::v1::SubmitBatchRequest* request,
                           ingest::v1::SubmitBatchResponse* response) override {
    seen.Record(*context, *request);
    {
      std::lock_guard<std::mutex> lock(seen.mu);
      last_submit = *request;
    }
    response->mutable_batch()->set_agency(request->agency());
    response->mutable_batch()->set_batch_id(request->batch_id());
    response->mutable_batch()->set_record_count(request->records_size());
    return grpc::Status::OK;
  }
  grpc::Status GetBatch(grpc::ServerContext* context, const ingest::v1::GetBatchRequest* request,
                        ingest::v1::Batch* response) override {
    seen.Record(*context, *request);
    if (request->batch_id() == "missing") {
      return grpc::Status(grpc::StatusCode::NOT_FOUND, "batch missing not found");
    }
    response->set_agency(request->agency());
    response->set_batch_id(request->batch_id());
    if (request->batch_id() == "linked") response->set_match_queued_count(0);
    return grpc::Status::OK;
  }
  Seen seen;
  ingest::v1::SubmitBatchRequest last_submit;
};

class FakeMatch final : public match::v1::MatchService::Service {
 public:
  grpc::Status ListClues(grpc::ServerContext* context, const match::v1::ListCluesRequest* request,
                         match::v1::ListCluesResponse* response) override {
    seen.Record(*context, *request);
    {
      std::lock_guard<std::mutex> lock(seen.mu);
      last_list = *request;
    }
    response->add_clues()->set_clue_id("c-1");
    response->set_next_page_token("next");
    return grpc::Status::OK;
  }
  grpc::Status GetClue(grpc::ServerContext* context, const match::v1::GetClueRequest* request,
                       match::v1::Clue* response) override {
    seen.Record(*context, *request);
    if (request->clue_id() == "c-missing") {
      return grpc::Status(grpc::StatusCode::NOT_FOUND, "clue c-missing not found");
    }
    if (request->clue_id() == "c-boom") {
      return grpc::Status(grpc::StatusCode::INTERNAL, "sqlite exploded at /var/secret/match.db");
    }
    if (request->clue_id() == "c-slow") {
      // Slower than the gateway's deadline; ends when the gateway gives up, so that no handler
      // outlives its test.
      for (int i = 0; i < 150 && !context->IsCancelled(); ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
    }
    response->set_clue_id(request->clue_id());
    response->set_score(0.5);
    return grpc::Status::OK;
  }
  grpc::Status ReviewClue(grpc::ServerContext* context, const match::v1::ReviewClueRequest* request,
                          match::v1::Clue* response) override {
    seen.Record(*context, *request);
    {
      std::lock_guard<std::mutex> lock(seen.mu);
      last_review = *request;
    }
    response->set_clue_id(request->clue_id());
    response->set_status(match::v1::CLUE_STATUS_APPROVED);
    return grpc::Status::OK;
  }
  grpc::Status Relink(grpc::ServerContext* context, const match::v1::RelinkRequest* request,
                      match::v1::RelinkResponse* response) override {
    seen.Record(*context, *request);
    // Longer than the ordinary upstream deadline (700 ms here), shorter than Relink's own.
    std::this_thread::sleep_for(std::chrono::milliseconds(1000));
    response->set_records(3);
    return grpc::Status::OK;
  }
  Seen seen;
  match::v1::ListCluesRequest last_list;
  match::v1::ReviewClueRequest last_review;
};

class FakeReferral final : public referral::v1::ReferralService::Service {
 public:
  grpc::Status TransitionReferral(grpc::ServerContext* context,
                                  const referral::v1::TransitionReferralRequest* request,
                                  referral::v1::Referral* response) override {
    seen.Record(*context, *request);
    {
      std::lock_guard<std::mutex> lock(seen.mu);
      last_transition = *request;
    }
    response->set_referral_id(request->referral_id());
    response->set_state(request->to_state());
    return grpc::Status::OK;
  }
  grpc::Status ListReferrals(grpc::ServerContext* context,
                             const referral::v1::ListReferralsRequest* request,
                             referral::v1::ListReferralsResponse* response) override {
    seen.Record(*context, *request);
    {
      std::lock_guard<std::mutex> lock(seen.mu);
      last_list = *request;
    }
    response->add_referrals()->set_department(request->department());
    return grpc::Status::OK;
  }
  grpc::Status UpsertPartner(grpc::ServerContext* context,
                             const referral::v1::UpsertPartnerRequest* request,
                             referral::v1::Partner* response) override {
    seen.Record(*context, *request);
    *response = request->partner();
    return grpc::Status::OK;
  }
  Seen seen;
  referral::v1::TransitionReferralRequest last_transition;
  referral::v1::ListReferralsRequest last_list;
};

v1::TokensFile TestTokens() {
  v1::TokensFile file;
  auto add = [&file](const char* token, const char* user, const char* role, const char* scope) {
    v1::Token* entry = file.add_tokens();
    entry->set_token_sha256(TokenAuthenticator::Sha256Hex(token));
    entry->set_user(user);
    entry->set_role(role);
    entry->set_scope(scope);
  };
  add(kCourtToken, "court-clerk", "agency_submitter", "court");
  add(kProcuratorToken, "proc-zhao", "procurator", "34");
  add(kPartnerToken, "la-desk", "partner", "legal_aid");
  add(kAdminToken, "root", "admin", "");
  return file;
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

class GatewayHandlerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // The upstreams answer grpc.health.v1, as every Lifeline service does.
    grpc::EnableDefaultHealthCheckService(true);
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(&ingest_);
    builder.RegisterService(&match_);
    builder.RegisterService(&referral_);
    upstream_ = builder.BuildAndStart();
    ASSERT_NE(upstream_, nullptr);
    upstream_target_ = "127.0.0.1:" + std::to_string(port);

    audit_path_ = (std::filesystem::path(::testing::TempDir()) /
                   ("gateway_audit_" + std::to_string(::getpid()) + "_" +
                    ::testing::UnitTest::GetInstance()->current_test_info()->name()) /
                   "audit.jsonl")
                      .string();
    std::filesystem::remove_all(std::filesystem::path(audit_path_).parent_path());
    StartGateway(upstream_target_, upstream_target_, upstream_target_);
  }

  void TearDown() override {
    if (http_) http_->Stop();
    upstream_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  }

  void StartGateway(const std::string& ingest, const std::string& match,
                    const std::string& referral) {
    if (http_) http_->Stop();
    http_.reset();
    auto authenticator = TokenAuthenticator::FromProto(TestTokens());
    ASSERT_TRUE(authenticator.ok()) << authenticator.status();
    authenticator_ = std::make_unique<TokenAuthenticator>(*std::move(authenticator));
    auto audit = AuditLog::Open(audit_path_);
    ASSERT_TRUE(audit.ok()) << audit.status();
    audit_ = *std::move(audit);
    registry_ = std::make_shared<prometheus::Registry>();
    metrics_ = std::make_unique<GatewayMetrics>(*registry_);
    upstreams_ = std::make_unique<UpstreamPool>();
    auto channel = [](const std::string& target) {
      return grpc::CreateChannel(target, grpc::InsecureChannelCredentials());
    };
    upstreams_->AddService("lifeline.ingest.v1.IngestService", channel(ingest));
    upstreams_->AddService("lifeline.match.v1.MatchService", channel(match));
    upstreams_->AddService("lifeline.referral.v1.ReferralService", channel(referral));
    auto routes = RoutesFromServices(LifelineServices());
    ASSERT_TRUE(routes.ok()) << routes.status();
    GatewayHandlerOptions options;
    options.upstream_timeout = std::chrono::milliseconds(700);
    options.method_timeouts["lifeline.match.v1.MatchService.Relink"] =
        std::chrono::milliseconds(5000);
    options.limiter = limiter_;
    options.openapi_document = &openapi_;
    options.console_files = &console_;
    auto handler = GatewayHandler::Create(*std::move(routes), authenticator_.get(), &policy_,
                                          upstreams_.get(), audit_.get(), metrics_.get(), options);
    ASSERT_TRUE(handler.ok()) << handler.status();
    handler_ = *std::move(handler);
    HttpServerOptions http_options;
    http_options.address = "127.0.0.1:0";
    http_options.max_body_bytes = 4096;
    http_options.request_timeout = std::chrono::milliseconds(5000);
    http_ = std::make_unique<HttpServer>(http_options, handler_.get());
    ASSERT_TRUE(http_->Start().ok());
  }

  common::HttpResponse Send(const std::string& method, const std::string& target,
                            const std::string& token, const std::string& body = "") {
    common::HttpRequestOptions request;
    request.method = method;
    request.port = http_->port();
    request.target = target;
    request.bearer_token = token;
    request.body = body;
    absl::StatusOr<common::HttpResponse> response = common::SendHttpRequest(request);
    EXPECT_TRUE(response.ok()) << response.status();
    return response.ok() ? *response : common::HttpResponse{};
  }

  double CounterValue(const std::string& route, const std::string& code) {
    for (const auto& family : registry_->Collect()) {
      if (family.name != "lifeline_gateway_http_requests_total") continue;
      for (const auto& metric : family.metric) {
        std::map<std::string, std::string> labels;
        for (const auto& label : metric.label) labels[label.name] = label.value;
        if (labels["route"] == route && labels["code"] == code) return metric.counter.value;
      }
    }
    return 0;
  }

  FakeIngest ingest_;
  FakeMatch match_;
  FakeReferral referral_;
  std::unique_ptr<grpc::Server> upstream_;
  std::string upstream_target_;
  std::string audit_path_;
  RolePolicy policy_ = RolePolicy::Default();
  std::unique_ptr<TokenAuthenticator> authenticator_;
  std::unique_ptr<AuditLog> audit_;
  std::shared_ptr<prometheus::Registry> registry_;
  std::unique_ptr<GatewayMetrics> metrics_;
  std::unique_ptr<UpstreamPool> upstreams_;
  std::unique_ptr<GatewayHandler> handler_;
  std::unique_ptr<HttpServer> http_;
  RateLimiter* limiter_ = nullptr;
  std::string openapi_ = R"({"openapi":"3.0.3"})";
  std::map<std::string, std::string> console_ = {{"index.html", "<!doctype html><p>console"},
                                                 {"app.js", "console.log(1);"}};
};

std::string BatchBody() {
  return std::string(R"({"batchId":"b-1","records":[{"sourceRecordId":"r-1","version":"2",)") +
         R"("person":{"name":")" + kPersonalName + R"(","idNumber":")" + kIdNumber + R"("}}]})";
}

TEST_F(GatewayHandlerTest, HealthzNeedsNoToken) {
  common::HttpResponse response = Send("GET", "/healthz", "");
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "ok");
}

// The console's files are public (the API behind them is not), served with headers that allow
// only the console's own scripts and styles; nothing outside the embedded files is reachable.
TEST_F(GatewayHandlerTest, ServesTheConsoleFilesWithStrictHeaders) {
  common::HttpResponse index = Send("GET", "/console/", "");
  EXPECT_EQ(index.status, 200);
  EXPECT_EQ(index.body, "<!doctype html><p>console");
  EXPECT_THAT(index.headers["content-type"], HasSubstr("text/html"));
  EXPECT_THAT(index.headers["content-security-policy"], HasSubstr("script-src 'self'"));
  EXPECT_THAT(index.headers["content-security-policy"], HasSubstr("frame-ancestors 'none'"));
  EXPECT_EQ(index.headers["x-content-type-options"], "nosniff");
  common::HttpResponse script = Send("GET", "/console/app.js", "");
  EXPECT_EQ(script.status, 200);
  EXPECT_THAT(script.headers["content-type"], HasSubstr("text/javascript"));
  EXPECT_EQ(Send("GET", "/console", "").status, 200);
  common::HttpResponse root = Send("GET", "/", "");
  EXPECT_EQ(root.status, 302);
  EXPECT_EQ(root.headers["location"], "/console/");
  for (const char* missing : {"/console/nope.js", "/console/../main.cc", "/console/%2e%2e/x",
                              "/consolex", "/console//app.js"}) {
    EXPECT_EQ(Send("GET", missing, "").status, 404) << missing;
  }
  EXPECT_EQ(Send("POST", "/console/app.js", "", "x").status, 405);
}

TEST_F(GatewayHandlerTest, ServesTheApiDocumentWithoutAToken) {
  common::HttpResponse document = Send("GET", "/openapi.json", "");
  EXPECT_EQ(document.status, 200);
  EXPECT_EQ(document.body, openapi_);
  EXPECT_THAT(document.headers["content-type"], HasSubstr("application/json"));
  EXPECT_EQ(Send("DELETE", "/openapi.json", kAdminToken).status, 405);
}

TEST_F(GatewayHandlerTest, ReadyzAsksEveryUpstreamWithoutAToken) {
  common::HttpResponse ready = Send("GET", "/readyz", "");
  EXPECT_EQ(ready.status, 200) << ready.body;
  EXPECT_THAT(ready.body, HasSubstr(R"("ready":true)"));
  for (const char* service : {"lifeline.ingest.v1.IngestService", "lifeline.match.v1.MatchService",
                              "lifeline.referral.v1.ReferralService"}) {
    EXPECT_THAT(ready.body, HasSubstr(absl::StrCat(R"({"service":")", service,
                                                   R"(","serving":true,"state":"SERVING"})")));
  }
  EXPECT_EQ(Send("POST", "/readyz", "").status, 405);

  // match-service down: not ready, and the body says which (never where).
  StartGateway(upstream_target_, "127.0.0.1:1", upstream_target_);
  common::HttpResponse down = Send("GET", "/readyz", "");
  EXPECT_EQ(down.status, 503) << down.body;
  EXPECT_THAT(down.body, HasSubstr(R"("ready":false)"));
  EXPECT_THAT(down.body,
              HasSubstr(R"({"service":"lifeline.match.v1.MatchService","serving":false)"));
  EXPECT_THAT(down.body,
              HasSubstr(R"({"service":"lifeline.ingest.v1.IngestService","serving":true)"));
  EXPECT_THAT(down.body, Not(HasSubstr("127.0.0.1")));
  // /healthz only says the gateway itself is up.
  EXPECT_EQ(Send("GET", "/healthz", "").status, 200);
}

TEST_F(GatewayHandlerTest, PostBatchReachesUpstreamWithPathAgencyAndCaller) {
  common::HttpResponse response =
      Send("POST", "/v1/agencies/court/batches", kCourtToken, BatchBody());
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_THAT(response.body, HasSubstr(R"("batchId":"b-1")"));
  EXPECT_THAT(response.body, HasSubstr(R"("recordCount":1)"));
  EXPECT_THAT(response.headers["content-type"], HasSubstr("application/json"));

  std::lock_guard<std::mutex> lock(ingest_.seen.mu);
  EXPECT_EQ(ingest_.last_submit.agency(), "court");
  EXPECT_EQ(ingest_.last_submit.batch_id(), "b-1");
  ASSERT_EQ(ingest_.last_submit.records_size(), 1);
  EXPECT_EQ(ingest_.last_submit.records(0).version(), 2);
  EXPECT_EQ(ingest_.seen.caller.user, "court-clerk");
  EXPECT_EQ(ingest_.seen.caller.role, "agency_submitter");
  EXPECT_EQ(ingest_.seen.caller.scope, "court");
}

TEST_F(GatewayHandlerTest, PathAgencyOverridesBodyAgency) {
  common::HttpResponse response = Send("POST", "/v1/agencies/court/batches", kAdminToken,
                                       R"({"agency":"civil_affairs","batchId":"b-2"})");
  ASSERT_EQ(response.status, 200) << response.body;
  std::lock_guard<std::mutex> lock(ingest_.seen.mu);
  EXPECT_EQ(ingest_.last_submit.agency(), "court");
}

TEST_F(GatewayHandlerTest, GetWithQueryParameters) {
  common::HttpResponse response =
      Send("GET", "/v1/clues?status=CLUE_STATUS_APPROVED&page_size=5&pageToken=abc%20d",
           kProcuratorToken);
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_THAT(response.body, HasSubstr(R"("nextPageToken":"next")"));
  std::lock_guard<std::mutex> lock(match_.seen.mu);
  EXPECT_EQ(match_.last_list.status(), match::v1::CLUE_STATUS_APPROVED);
  EXPECT_EQ(match_.last_list.page_size(), 5);
  EXPECT_EQ(match_.last_list.page_token(), "abc d");
}

TEST_F(GatewayHandlerTest, BadQueryParametersAre400) {
  common::HttpResponse unknown = Send("GET", "/v1/clues?colour=red", kProcuratorToken);
  EXPECT_EQ(unknown.status, 400);
  EXPECT_THAT(unknown.body, HasSubstr("colour"));
  EXPECT_THAT(unknown.body, Not(HasSubstr("red")));
  common::HttpResponse wrong_enum = Send("GET", "/v1/clues?status=MAYBE", kProcuratorToken);
  EXPECT_EQ(wrong_enum.status, 400);
  EXPECT_THAT(wrong_enum.body, Not(HasSubstr("MAYBE")));
  common::HttpResponse wrong_int = Send("GET", "/v1/clues?page_size=lots", kProcuratorToken);
  EXPECT_EQ(wrong_int.status, 400);
  EXPECT_THAT(wrong_int.body, HasSubstr("page_size"));
  std::lock_guard<std::mutex> lock(match_.seen.mu);
  EXPECT_EQ(match_.seen.calls, 0);
}

// Bytes that are not UTF-8 once %-decoded, in a path variable or a query value, are the client's
// error (400), reach no service and leave the audit log valid JSON Lines.
TEST_F(GatewayHandlerTest, BytesThatAreNotTextAre400) {
  for (const char* target :
       {"/v1/clues/%FF", "/v1/clues/c-1%C3", "/v1/clues?page_token=%FF%FE", "/v1/clues?%FF=1"}) {
    common::HttpResponse response = Send("GET", target, kProcuratorToken);
    EXPECT_EQ(response.status, 400) << target << " " << response.body;
    EXPECT_THAT(response.body, HasSubstr(R"("status":"INVALID_ARGUMENT")")) << target;
    EXPECT_THAT(response.body, HasSubstr("UTF-8")) << target;
  }
  EXPECT_EQ(Send("GET", "/v1/clues/%E6%B5%8B", kProcuratorToken).status, 200);
  {
    std::lock_guard<std::mutex> lock(match_.seen.mu);
    EXPECT_EQ(match_.seen.calls, 1);
  }
  std::istringstream lines(ReadAll(audit_path_));
  std::string line;
  while (std::getline(lines, line)) EXPECT_TRUE(common::IsValidUtf8(line)) << line;
}

TEST_F(GatewayHandlerTest, MalformedJsonIs400WithoutEchoingValues) {
  common::HttpResponse response =
      Send("POST", "/v1/agencies/court/batches", kCourtToken, R"({"batchId":"TOPSECRET" oops})");
  EXPECT_EQ(response.status, 400);
  EXPECT_THAT(response.body, HasSubstr(R"("status":"INVALID_ARGUMENT")"));
  EXPECT_THAT(response.body, HasSubstr("not a valid JSON"));
  EXPECT_THAT(response.body, Not(HasSubstr("TOPSECRET")));
}

TEST_F(GatewayHandlerTest, UnknownFieldIs400NamingTheField) {
  common::HttpResponse response = Send("POST", "/v1/agencies/court/batches", kCourtToken,
                                       R"({"batchId":"b","colour":"TOPSECRET"})");
  EXPECT_EQ(response.status, 400);
  EXPECT_THAT(response.body, HasSubstr("unknown field"));
  EXPECT_THAT(response.body, HasSubstr("colour"));
  EXPECT_THAT(response.body, Not(HasSubstr("TOPSECRET")));
}

TEST_F(GatewayHandlerTest, WrongTypeIs400NamingTheFieldNotTheValue) {
  common::HttpResponse response =
      Send("POST", "/v1/clues/c-1:review", kProcuratorToken, R"({"amountFen":"TOPSECRET"})");
  EXPECT_EQ(response.status, 400);
  EXPECT_THAT(response.body, HasSubstr("amount"));
  EXPECT_THAT(response.body, HasSubstr("wrong type"));
  EXPECT_THAT(response.body, Not(HasSubstr("TOPSECRET")));
  std::lock_guard<std::mutex> lock(match_.seen.mu);
  EXPECT_EQ(match_.seen.calls, 0);
}

TEST_F(GatewayHandlerTest, UnknownRouteIs404AndWrongMethodIs405) {
  common::HttpResponse unknown = Send("GET", "/v1/nothing/here", kAdminToken);
  EXPECT_EQ(unknown.status, 404);
  EXPECT_THAT(unknown.body, HasSubstr(R"("code":404)"));
  EXPECT_THAT(unknown.body, HasSubstr(R"("status":"NOT_FOUND")"));
  common::HttpResponse wrong = Send("DELETE", "/v1/clues", kAdminToken);
  EXPECT_EQ(wrong.status, 405);
  EXPECT_EQ(wrong.headers["allow"], "GET");
}

TEST_F(GatewayHandlerTest, MissingOrUnknownTokenIs401AndAudited) {
  common::HttpResponse missing = Send("GET", "/v1/clues", "");
  EXPECT_EQ(missing.status, 401);
  EXPECT_THAT(missing.body, HasSubstr("UNAUTHENTICATED"));
  common::HttpResponse unknown = Send("GET", "/v1/clues", "not-a-token");
  EXPECT_EQ(unknown.status, 401);
  EXPECT_THAT(unknown.body, Not(HasSubstr("not-a-token")));
  const std::string audit = ReadAll(audit_path_);
  EXPECT_THAT(audit, HasSubstr(R"("route":"/v1/clues")"));
  EXPECT_THAT(audit, HasSubstr(R"("status":401)"));
  EXPECT_THAT(audit, Not(HasSubstr("not-a-token")));
}

TEST_F(GatewayHandlerTest, SubmitterOfAnotherAgencyIs403) {
  common::HttpResponse response =
      Send("POST", "/v1/agencies/civil_affairs/batches", kCourtToken, R"({"batchId":"b"})");
  EXPECT_EQ(response.status, 403);
  EXPECT_THAT(response.body, HasSubstr("PERMISSION_DENIED"));
  common::HttpResponse partner = Send("GET", "/v1/clues", kPartnerToken);
  EXPECT_EQ(partner.status, 403);
  {
    std::lock_guard<std::mutex> lock(ingest_.seen.mu);
    EXPECT_EQ(ingest_.seen.calls, 0);
  }
  EXPECT_THAT(ReadAll(audit_path_), HasSubstr(R"("ids":{"agency":"civil_affairs"},"status":403)"));
}

// JWTs from the identity provider go through the same roles and scopes as API keys: a good one
// reaches the service with its principal, a bad one is refused with nothing done.
TEST_F(GatewayHandlerTest, SignedTokensAuthenticateAndBadOnesDoNothing) {
  const std::string keys = (std::filesystem::path(audit_path_).parent_path() / "idp.keys").string();
  {
    std::ofstream out(keys);
    out << "idp HS256 hex:" << std::string(64, 'a') << "\n";
  }
  ASSERT_TRUE(
      authenticator_->AcceptJwt({keys, "https://idp.example", "lifeline-gateway", absl::Hours(12)})
          .ok());
  common::JwtKey key;
  key.id = "idp";
  key.secret = std::string(32, '\xaa');
  auto sign = [&key](const std::string& role, const std::string& scope, absl::Duration expires_in,
                     const std::string& audience) {
    common::JwtClaims claims;
    claims.issuer = "https://idp.example";
    claims.audience = {audience};
    claims.subject = "reviewer-jwt";
    claims.issued_at = absl::Now() - absl::Hours(2);
    claims.expires = absl::Now() + expires_in;
    claims.strings["role"] = role;
    if (!scope.empty()) claims.strings["scope"] = scope;
    return common::SignJwt(claims, key).value_or("");
  };

  common::HttpResponse good =
      Send("GET", "/v1/clues", sign("procurator", "3415", absl::Hours(1), "lifeline-gateway"));
  EXPECT_EQ(good.status, 200) << good.body;
  {
    std::lock_guard<std::mutex> lock(match_.seen.mu);
    EXPECT_EQ(match_.seen.calls, 1);
    EXPECT_EQ(match_.seen.caller.user, "reviewer-jwt");
    EXPECT_EQ(match_.seen.caller.role, "procurator");
    EXPECT_EQ(match_.seen.caller.scope, "3415");
  }
  EXPECT_EQ(
      Send("GET", "/v1/clues", sign("procurator", "3415", -absl::Hours(1), "lifeline-gateway"))
          .status,
      401);
  EXPECT_EQ(
      Send("GET", "/v1/clues", sign("procurator", "3415", absl::Hours(1), "another-system")).status,
      401);
  EXPECT_EQ(
      Send("GET", "/v1/clues", sign("procurator", "", absl::Hours(1), "lifeline-gateway")).status,
      403);
  EXPECT_EQ(
      Send("GET", "/v1/clues", sign("partner", "legal_aid", absl::Hours(1), "lifeline-gateway"))
          .status,
      403);
  EXPECT_EQ(Send("POST", "/v1/agencies/civil_affairs/batches",
                 sign("agency_submitter", "court", absl::Hours(1), "lifeline-gateway"),
                 R"({"batchId":"b"})")
                .status,
            403);
  {
    std::lock_guard<std::mutex> lock(match_.seen.mu);
    EXPECT_EQ(match_.seen.calls, 1);
  }
  {
    std::lock_guard<std::mutex> lock(ingest_.seen.mu);
    EXPECT_EQ(ingest_.seen.calls, 0);
  }
}

// Each principal has its own bucket; an empty one is 429 with Retry-After, audited, with nothing
// done upstream. Failed authentications count against the client's address.
TEST_F(GatewayHandlerTest, RateLimitsPerPrincipalAndFailedAttemptsPerAddress) {
  RateLimiter limiter({/*per_second=*/0.5, /*burst=*/3, /*max_keys=*/100});
  limiter_ = &limiter;
  StartGateway(upstream_target_, upstream_target_, upstream_target_);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(Send("GET", "/v1/clues/c-1", kProcuratorToken).status, 200) << i;
  }
  common::HttpResponse limited = Send("GET", "/v1/clues/c-1", kProcuratorToken);
  EXPECT_EQ(limited.status, 429) << limited.body;
  EXPECT_EQ(limited.headers["retry-after"], "2");
  EXPECT_THAT(limited.body, HasSubstr("RESOURCE_EXHAUSTED"));
  {
    std::lock_guard<std::mutex> lock(match_.seen.mu);
    EXPECT_EQ(match_.seen.calls, 3);
  }
  // Another principal is not slowed by the first.
  EXPECT_EQ(Send("POST", "/v1/agencies/court/batches", kCourtToken, BatchBody()).status, 200);
  EXPECT_THAT(ReadAll(audit_path_), HasSubstr(R"("status":429)"));

  // Guessing tokens from one address: 401 three times, then 429.
  for (int i = 0; i < 3; ++i) EXPECT_EQ(Send("GET", "/v1/clues", "guess").status, 401) << i;
  EXPECT_EQ(Send("GET", "/v1/clues", "guess").status, 429);
  limiter_ = nullptr;
  StartGateway(upstream_target_, upstream_target_, upstream_target_);
}

TEST_F(GatewayHandlerTest, ReviewSetsReviewerFromTheToken) {
  common::HttpResponse response =
      Send("POST", "/v1/clues/c-7:review", kProcuratorToken,
           R"({"decision":"DECISION_APPROVE","amountFen":"50000","reviewer":"mallory"})");
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_THAT(response.body, HasSubstr(R"("status":"CLUE_STATUS_APPROVED")"));
  std::lock_guard<std::mutex> lock(match_.seen.mu);
  EXPECT_EQ(match_.last_review.clue_id(), "c-7");
  EXPECT_EQ(match_.last_review.reviewer(), "proc-zhao");
  EXPECT_EQ(match_.last_review.amount_fen(), 50000);
  EXPECT_EQ(match_.last_review.decision(), match::v1::Review::DECISION_APPROVE);
}

TEST_F(GatewayHandlerTest, PartnerActsForItsDepartment) {
  common::HttpResponse transition =
      Send("POST", "/v1/referrals/r-1:transition", kPartnerToken,
           R"({"toState":"REFERRAL_STATE_ACCEPTED","actor":"someone-else"})");
  ASSERT_EQ(transition.status, 200) << transition.body;
  common::HttpResponse list = Send("GET", "/v1/referrals?department=counselling", kPartnerToken);
  ASSERT_EQ(list.status, 200) << list.body;
  std::lock_guard<std::mutex> lock(referral_.seen.mu);
  EXPECT_EQ(referral_.last_transition.referral_id(), "r-1");
  EXPECT_EQ(referral_.last_list.department(), "legal_aid");
  // Who acted reaches referral-service only as the signed caller: the desk and its department.
  EXPECT_EQ(referral_.seen.caller.user, "la-desk");
  EXPECT_EQ(referral_.seen.caller.role, "partner");
  EXPECT_EQ(referral_.seen.caller.scope, "legal_aid");
}

TEST_F(GatewayHandlerTest, PutWithBodyFieldAndNestedPathVariable) {
  common::HttpResponse response =
      Send("PUT", "/v1/partners/legal%5Faid", kAdminToken,
           R"({"displayName":"Legal aid centre","respondWithinDays":5,"department":"other"})");
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_THAT(response.body, HasSubstr(R"("department":"legal_aid")"));
  EXPECT_THAT(response.body, HasSubstr(R"("respondWithinDays":5)"));
  common::HttpResponse procurator =
      Send("PUT", "/v1/partners/legal_aid", kProcuratorToken, R"({"displayName":"x"})");
  EXPECT_EQ(procurator.status, 403);
}

TEST_F(GatewayHandlerTest, UpstreamNotFoundIs404WithItsMessage) {
  common::HttpResponse response = Send("GET", "/v1/clues/c-missing", kProcuratorToken);
  EXPECT_EQ(response.status, 404);
  EXPECT_EQ(response.body,
            R"({"code":404,"status":"NOT_FOUND","message":"clue c-missing not found"})");
  common::HttpResponse batch = Send("GET", "/v1/agencies/court/batches/missing", kCourtToken);
  EXPECT_EQ(batch.status, 404);
}

TEST_F(GatewayHandlerTest, UpstreamInternalIs500WithHiddenMessage) {
  common::HttpResponse response = Send("GET", "/v1/clues/c-boom", kProcuratorToken);
  EXPECT_EQ(response.status, 500);
  EXPECT_EQ(response.body, R"({"code":500,"status":"INTERNAL","message":"internal error"})");
}

TEST_F(GatewayHandlerTest, UpstreamDeadlineIs504) {
  common::HttpResponse response = Send("GET", "/v1/clues/c-slow", kProcuratorToken);
  EXPECT_EQ(response.status, 504);
  EXPECT_THAT(response.body, HasSubstr("DEADLINE_EXCEEDED"));
}

TEST_F(GatewayHandlerTest, AMethodWithItsOwnDeadlineOutlastsTheOrdinaryOne) {
  common::HttpResponse response = Send("POST", "/v1/persons:relink", kAdminToken, "{}");
  EXPECT_EQ(response.status, 200) << response.body;
  EXPECT_THAT(response.body, HasSubstr(R"("records":"3")"));
}

TEST_F(GatewayHandlerTest, UpstreamDownIs503) {
  // Bind a port without listening, then free it, so nothing listens there.
  std::string dead_target;
  {
    boost::asio::io_context io;
    boost::asio::ip::tcp::acceptor acceptor(
        io, boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
    dead_target = "127.0.0.1:" + std::to_string(acceptor.local_endpoint().port());
  }
  StartGateway(upstream_target_, dead_target, upstream_target_);
  common::HttpResponse response = Send("GET", "/v1/clues/c-1", kProcuratorToken);
  EXPECT_EQ(response.status, 503);
  EXPECT_THAT(response.body, HasSubstr("UNAVAILABLE"));
  EXPECT_THAT(response.body, Not(HasSubstr("127.0.0.1")));
  EXPECT_EQ(Send("GET", "/v1/agencies/court/batches/b-1", kCourtToken).status, 200);
}

// A field with presence (proto3 `optional`) keeps it in JSON: GetBatch's match_queued_count of 0
// ("every record linked") is printed, an unset one ("not reported") is not.
TEST_F(GatewayHandlerTest, OptionalFieldAtZeroIsPrintedAndUnsetIsNot) {
  common::HttpResponse linked = Send("GET", "/v1/agencies/court/batches/linked", kCourtToken);
  ASSERT_EQ(linked.status, 200) << linked.body;
  EXPECT_THAT(linked.body, HasSubstr("\"matchQueuedCount\":0"));
  common::HttpResponse unset = Send("GET", "/v1/agencies/court/batches/b-1", kCourtToken);
  ASSERT_EQ(unset.status, 200) << unset.body;
  EXPECT_THAT(unset.body, Not(HasSubstr("matchQueuedCount")));
}

TEST_F(GatewayHandlerTest, InternalRpcsAreNotRoutable) {
  for (const ApiRoute& route : handler_->routes()) {
    const std::string name = route.method->name();
    EXPECT_NE(name, "UpsertRecords");
    EXPECT_NE(name, "CreatePlan");
    EXPECT_NE(name, "StreamRecords");
    EXPECT_NE(name, "ExportLinks");
  }
  EXPECT_EQ(handler_->routes().size(), 31u);
  EXPECT_EQ(Send("POST", "/lifeline.match.v1.MatchService/UpsertRecords", kAdminToken, "{}").status,
            404);
  EXPECT_EQ(
      Send("POST", "/lifeline.referral.v1.ReferralService/CreatePlan", kAdminToken, "{}").status,
      404);
}

// An audit line names what was read (identifiers in the answer) and what was decided (the
// request's codes and amounts), never free text, names or ID numbers.
TEST_F(GatewayHandlerTest, AuditLineHasIdsAndDecisionsButNoBody) {
  ASSERT_EQ(Send("POST", "/v1/agencies/court/batches", kCourtToken, BatchBody()).status, 200);
  ASSERT_EQ(Send("POST", "/v1/clues/c-9:review", kProcuratorToken,
                 R"({"decision":"DECISION_REJECT","reason":"TOPSECRET reason"})")
                .status,
            200);
  const std::string audit = ReadAll(audit_path_);
  EXPECT_THAT(audit, HasSubstr(R"("user":"court-clerk","role":"agency_submitter","method":"POST",)"
                               R"("route":"/v1/agencies/{agency}/batches")"));
  EXPECT_THAT(audit, HasSubstr(R"("ids":{"agency":"court"},"subjects":["batch_id:b-1"],)"
                               R"("status":200)"));
  EXPECT_THAT(audit, HasSubstr(R"("route":"/v1/clues/{clue_id}:review")"));
  EXPECT_THAT(audit, HasSubstr(R"("ids":{"clue_id":"c-9"})"));
  EXPECT_THAT(audit, HasSubstr(R"("decision":{"decision":"DECISION_REJECT"})"));
  EXPECT_THAT(audit, Not(HasSubstr("SECRET-NAME")));
  EXPECT_THAT(audit, Not(HasSubstr(kIdNumber)));
  EXPECT_THAT(audit, Not(HasSubstr("TOPSECRET")));
  EXPECT_EQ(std::count(audit.begin(), audit.end(), '\n'), 2);
}

TEST_F(GatewayHandlerTest, OversizedBodyIs413) {
  const std::string big = R"({"batchId":")" + std::string(8000, 'x') + R"("})";
  common::HttpResponse response = Send("POST", "/v1/agencies/court/batches", kCourtToken, big);
  EXPECT_EQ(response.status, 413);
  std::lock_guard<std::mutex> lock(ingest_.seen.mu);
  EXPECT_EQ(ingest_.seen.calls, 0);
}

TEST_F(GatewayHandlerTest, CountsRequestsByRouteTemplate) {
  Send("GET", "/v1/clues/c-1", kProcuratorToken);
  Send("GET", "/v1/clues/c-2", kProcuratorToken);
  Send("GET", "/v1/clues/c-missing", kProcuratorToken);
  Send("GET", "/v1/unknown", kProcuratorToken);
  EXPECT_EQ(CounterValue("/v1/clues/{clue_id}", "200"), 2);
  EXPECT_EQ(CounterValue("/v1/clues/{clue_id}", "404"), 1);
  EXPECT_EQ(CounterValue("unmatched", "404"), 1);
}

}  // namespace
}  // namespace lifeline::gateway
