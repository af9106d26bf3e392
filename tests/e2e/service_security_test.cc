// The services refuse whoever the gateway did not vouch for: run as in production (mutual TLS with
// a CA made at test time, caller tokens signed with the suite's key), every method of every
// service is called the ways an intruder on the network would call it, and each is refused with
// nothing done; the same call with a token signed by the suite's key goes through.
#include <chrono>
#include <future>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <google/protobuf/descriptor.h>
#include <google/protobuf/dynamic_message.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

#include "common/auth/caller.h"
#include "common/server/channel.h"
#include "common/testing/test_pki.h"
#include "lifeline/ingest/v1/ingest_service.grpc.pb.h"
#include "lifeline/match/v1/match_service.grpc.pb.h"
#include "lifeline/referral/v1/referral_service.grpc.pb.h"
#include "tests/e2e/suite.h"

namespace lifeline::e2e {
namespace {

struct Upstream {
  const char* binary;
  const char* service;
};
constexpr Upstream kUpstreams[] = {{"ingest-service", "lifeline.ingest.v1.IngestService"},
                                   {"match-service", "lifeline.match.v1.MatchService"},
                                   {"referral-service", "lifeline.referral.v1.ReferralService"}};

// Calls `method` on `channel` with an empty request and whatever `prepare` adds to the context;
// returns the status.
grpc::Status CallEmpty(const std::shared_ptr<grpc::Channel>& channel, const std::string& method,
                       const std::function<void(grpc::ClientContext*)>& prepare) {
  grpc::GenericStub stub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  prepare(&context);
  grpc::ByteBuffer request;
  grpc::Slice empty("");
  request = grpc::ByteBuffer(&empty, 1);
  grpc::ByteBuffer response;
  std::promise<grpc::Status> done;
  stub.UnaryCall(&context, method, grpc::StubOptions(), &request, &response,
                 [&done](grpc::Status status) { done.set_value(std::move(status)); });
  return done.get_future().get();
}

std::vector<std::string> MethodsOf(const char* service_name) {
  const google::protobuf::ServiceDescriptor* service =
      google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(service_name);
  EXPECT_NE(service, nullptr) << service_name;
  std::vector<std::string> methods;
  if (service == nullptr) return methods;
  for (int i = 0; i < service->method_count(); ++i) {
    methods.push_back(absl::StrCat("/", service_name, "/", service->method(i)->name()));
  }
  return methods;
}

class ServiceSecurityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // A message of each service file links that file's descriptors into the pool.
    ASSERT_NE(ingest::v1::GetBatchRequest::descriptor(), nullptr);
    ASSERT_NE(match::v1::GetClueRequest::descriptor(), nullptr);
    ASSERT_NE(referral::v1::GetPlanRequest::descriptor(), nullptr);
    auto suite = Suite::Start();
    ASSERT_TRUE(suite.ok()) << suite.status();
    suite_ = std::move(*suite);
  }

  std::unique_ptr<Suite> suite_;
};

TEST_F(ServiceSecurityTest, EveryMethodRefusesCallersWithoutAValidToken) {
  const common::JwtKey wrong_key{"e2e", common::JwtAlgorithm::kHs256, std::string(32, 'w'), {}};
  auto forged_tokens = common::CallerTokens::FromKeys({wrong_key});
  auto forged = forged_tokens->Sign({"intruder", "", ""}, absl::Now());
  ASSERT_TRUE(forged.ok());

  int methods = 0;
  for (const Upstream& upstream : kUpstreams) {
    auto channel = common::MakeClientChannel(suite_->Target(upstream.binary));
    for (const std::string& method : MethodsOf(upstream.service)) {
      ++methods;
      SCOPED_TRACE(method);
      // No token at all.
      EXPECT_EQ(CallEmpty(channel, method, [](grpc::ClientContext*) {}).error_code(),
                grpc::StatusCode::UNAUTHENTICATED);
      // The old way: identity in plain metadata, claiming to be an admin.
      EXPECT_EQ(CallEmpty(channel, method,
                          [](grpc::ClientContext* context) {
                            context->AddMetadata(common::kCallerUserHeader, "intruder");
                            context->AddMetadata(common::kCallerRoleHeader, common::kRoleAdmin);
                          })
                    .error_code(),
                grpc::StatusCode::UNAUTHENTICATED);
      // A well-formed token signed with another key.
      EXPECT_EQ(CallEmpty(channel, method,
                          [&forged](grpc::ClientContext* context) {
                            context->AddMetadata(common::kCallerTokenHeader, *forged);
                          })
                    .error_code(),
                grpc::StatusCode::UNAUTHENTICATED);
      // Garbage in the token header.
      EXPECT_EQ(CallEmpty(channel, method,
                          [](grpc::ClientContext* context) {
                            context->AddMetadata(common::kCallerTokenHeader, "a.b.c");
                          })
                    .error_code(),
                grpc::StatusCode::UNAUTHENTICATED);
    }
  }
  // 4 ingest + 13 match + 9 referral methods today; a new method is covered without a change.
  EXPECT_GE(methods, 26);

  // The same channel with the suite's key: the call reaches the service (which may refuse the
  // empty request for its own reasons, but not for who is calling).
  auto referral = common::MakeClientChannel(suite_->Target("referral-service"));
  grpc::Status signed_call =
      CallEmpty(referral, "/lifeline.referral.v1.ReferralService/ListPartners",
                [](grpc::ClientContext* context) {
                  ASSERT_TRUE(common::AttachCaller(common::InternalCaller(), context).ok());
                });
  EXPECT_TRUE(signed_call.ok()) << signed_call.error_message();

  // The refusals happened in the services themselves (not on the way): each counted every
  // refused call of its methods as UNAUTHENTICATED.
  for (const Upstream& upstream : kUpstreams) {
    EXPECT_GE(MetricSum(suite_->Metrics(upstream.binary), "grpc_server_handled_total",
                        {"grpc_code=\"UNAUTHENTICATED\""}),
              4.0 * static_cast<double>(MethodsOf(upstream.service).size()))
        << upstream.binary;
  }
}

// Fills every text field of `message`, and of the messages it holds directly, with `size` bytes.
// Returns whether there was any.
bool FillText(google::protobuf::Message* message, size_t size, int depth = 0) {
  const google::protobuf::Descriptor* type = message->GetDescriptor();
  const google::protobuf::Reflection* reflection = message->GetReflection();
  bool filled = false;
  for (int i = 0; i < type->field_count(); ++i) {
    const google::protobuf::FieldDescriptor* field = type->field(i);
    if (field->cpp_type() == google::protobuf::FieldDescriptor::CPPTYPE_STRING) {
      if (field->is_repeated()) {
        reflection->AddString(message, field, std::string(size, 'x'));
      } else {
        reflection->SetString(message, field, std::string(size, 'x'));
      }
      filled = true;
    } else if (field->cpp_type() == google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE &&
               !field->is_repeated() && depth < 1) {
      filled = FillText(reflection->MutableMessage(message, field), size, depth + 1) || filled;
    }
  }
  return filled;
}

// No text longer than the limit reaches storage through any method, whoever calls (here an
// internal caller with a valid token, the most trusted there is).
TEST_F(ServiceSecurityTest, EveryMethodRefusesOversizedText) {
  // Methods with their own limits or no stored text from outside: ingest's record batches (1 KiB
  // per record field and 128 bytes per batch id, refused per record), the records ingest forwards
  // (already limited there) and the link export (a stream out).
  const std::set<std::string> own_limits = {"/lifeline.ingest.v1.IngestService/SubmitBatch",
                                            "/lifeline.ingest.v1.IngestService/StreamRecords",
                                            "/lifeline.match.v1.MatchService/UpsertRecords",
                                            "/lifeline.match.v1.MatchService/ExportLinks"};
  google::protobuf::DynamicMessageFactory factory;
  int checked = 0;
  for (const Upstream& upstream : kUpstreams) {
    auto channel = common::MakeClientChannel(suite_->Target(upstream.binary));
    const google::protobuf::ServiceDescriptor* service =
        google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(upstream.service);
    ASSERT_NE(service, nullptr);
    for (int i = 0; i < service->method_count(); ++i) {
      const std::string method =
          absl::StrCat("/", upstream.service, "/", service->method(i)->name());
      std::unique_ptr<google::protobuf::Message> request(
          factory.GetPrototype(service->method(i)->input_type())->New());
      if (own_limits.count(method) != 0 || !FillText(request.get(), 5000)) continue;
      SCOPED_TRACE(method);
      ++checked;
      grpc::GenericStub stub(channel);
      grpc::ClientContext context;
      context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
      ASSERT_TRUE(common::AttachCaller(common::InternalCaller(), &context).ok());
      grpc::Slice slice(request->SerializeAsString());
      grpc::ByteBuffer bytes(&slice, 1);
      grpc::ByteBuffer response;
      std::promise<grpc::Status> done;
      stub.UnaryCall(&context, method, grpc::StubOptions(), &bytes, &response,
                     [&done](grpc::Status status) { done.set_value(std::move(status)); });
      const grpc::Status status = done.get_future().get();
      EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << status.error_message();
      EXPECT_THAT(status.error_message(), ::testing::HasSubstr("bytes; at most 4096"));
    }
  }
  EXPECT_GE(checked, 15);
}

TEST_F(ServiceSecurityTest, PlaintextAndForeignCertificatesCannotConnect) {
  for (const Upstream& upstream : kUpstreams) {
    SCOPED_TRACE(upstream.binary);
    const std::string target = suite_->Target(upstream.binary);
    const std::string method = MethodsOf(upstream.service).front();
    auto sign = [](grpc::ClientContext* context) {
      ASSERT_TRUE(common::AttachCaller(common::InternalCaller(), context).ok());
    };
    // Plaintext, even with a valid token.
    auto plaintext = grpc::CreateChannel(target, grpc::InsecureChannelCredentials());
    EXPECT_EQ(CallEmpty(plaintext, method, sign).error_code(), grpc::StatusCode::UNAVAILABLE);
  }

  // TLS with a certificate from another CA (which also does not trust the servers' CA).
  auto rogue = common::testing::MakeTestCertificates(suite_->dir(), "rogue");
  ASSERT_TRUE(rogue.ok()) << rogue.status();
  const std::string suite_dir = suite_->dir();
  common::SetClientTls({rogue->cert_file, rogue->key_file, rogue->ca_cert_file});
  auto foreign = common::MakeClientChannel(suite_->Target("match-service"));
  grpc::Status status = CallEmpty(
      foreign, "/lifeline.match.v1.MatchService/GetLinkModel", [](grpc::ClientContext* context) {
        ASSERT_TRUE(common::AttachCaller(common::InternalCaller(), context).ok());
      });
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << status.error_message();

  // A client certificate from another CA, trusting the right CA for the server.
  common::SetClientTls({rogue->cert_file, rogue->key_file, suite_dir + "/suite-ca.pem"});
  auto half = common::MakeClientChannel(suite_->Target("match-service"));
  status = CallEmpty(half, "/lifeline.match.v1.MatchService/GetLinkModel",
                     [](grpc::ClientContext* context) {
                       ASSERT_TRUE(common::AttachCaller(common::InternalCaller(), context).ok());
                     });
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << status.error_message();
  common::SetClientTls(
      {suite_dir + "/suite.pem", suite_dir + "/suite.key", suite_dir + "/suite-ca.pem"});
}

}  // namespace
}  // namespace lifeline::e2e
