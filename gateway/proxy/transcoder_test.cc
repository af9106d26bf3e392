#include "gateway/proxy/transcoder.h"

#include <gmock/gmock.h>
#include <google/protobuf/field_mask.pb.h>
#include <gtest/gtest.h>

#include "lifeline/ingest/v1/ingest_service.pb.h"
#include "lifeline/match/v1/match_service.pb.h"
#include "lifeline/referral/v1/referral_service.pb.h"

namespace lifeline::gateway {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

ApiRoute Route(const std::string& service_index_name, const std::string& method) {
  for (const auto* service : LifelineServices()) {
    if (service->name() != service_index_name) continue;
    absl::StatusOr<std::vector<ApiRoute>> routes = RoutesFromServices({service});
    for (const ApiRoute& route : *routes) {
      if (route.method->name() == method) return route;
    }
  }
  ADD_FAILURE() << "no route for " << method;
  return {};
}

template <typename T>
T As(const google::protobuf::Message& message) {
  T typed;
  typed.CopyFrom(message);
  return typed;
}

TEST(TranscoderTest, BodyStarThenPathVariables) {
  auto request =
      BuildRequest(Route("IngestService", "SubmitBatch"), {{"agency", "court"}}, "",
                   R"({"agency":"other","batch_id":"b-1","records":[{"version":"3"}]})", {});
  ASSERT_TRUE(request.ok()) << request.status();
  auto typed = As<ingest::v1::SubmitBatchRequest>(**request);
  EXPECT_EQ(typed.agency(), "court");
  EXPECT_EQ(typed.batch_id(), "b-1");
  ASSERT_EQ(typed.records_size(), 1);
  EXPECT_EQ(typed.records(0).version(), 3);
}

TEST(TranscoderTest, EmptyBodyCountsAsEmptyObject) {
  auto request = BuildRequest(Route("MatchService", "Rescore"), {}, "", "  ", {});
  EXPECT_TRUE(request.ok()) << request.status();
}

TEST(TranscoderTest, BodyFieldAndNestedPathVariable) {
  auto request =
      BuildRequest(Route("ReferralService", "UpsertPartner"), {{"partner.department", "legal_aid"}},
                   "", R"({"displayName":"Legal aid","enabled":true})", {});
  ASSERT_TRUE(request.ok()) << request.status();
  auto typed = As<referral::v1::UpsertPartnerRequest>(**request);
  EXPECT_EQ(typed.partner().department(), "legal_aid");
  EXPECT_EQ(typed.partner().display_name(), "Legal aid");
  EXPECT_TRUE(typed.partner().enabled());
}

TEST(TranscoderTest, QueryParametersSetScalarsAndEnumsByName) {
  auto request = BuildRequest(Route("ReferralService", "ListReferrals"), {},
                              "state=REFERRAL_STATE_ACCEPTED&pageSize=20&plan_id=p%2F1", "", {});
  ASSERT_TRUE(request.ok()) << request.status();
  auto typed = As<referral::v1::ListReferralsRequest>(**request);
  EXPECT_EQ(typed.state(), referral::v1::REFERRAL_STATE_ACCEPTED);
  EXPECT_EQ(typed.page_size(), 20);
  EXPECT_EQ(typed.plan_id(), "p/1");

  auto changes = BuildRequest(Route("ReferralService", "ListChanges"), {},
                              "after_sequence=9000000000", "", {});
  ASSERT_TRUE(changes.ok()) << changes.status();
  EXPECT_EQ(As<referral::v1::ListChangesRequest>(**changes).after_sequence(), 9000000000);
}

TEST(TranscoderTest, QueryErrors) {
  const ApiRoute list = Route("MatchService", "ListClues");
  EXPECT_EQ(BuildRequest(list, {}, "nope=1", "", {}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(BuildRequest(list, {}, "page_size=1&page_size=2", "", {}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(BuildRequest(list, {}, "page_size=99999999999", "", {}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(BuildRequest(list, {}, "page_token=%zz", "", {}).status().code(),
            absl::StatusCode::kInvalidArgument);
  // Body "*" routes take everything from the body.
  EXPECT_EQ(
      BuildRequest(Route("MatchService", "ReviewClue"), {{"clue_id", "c"}}, "reason=x", "{}", {})
          .status()
          .code(),
      absl::StatusCode::kInvalidArgument);
  // A path-bound field cannot be set again from the query.
  EXPECT_EQ(BuildRequest(Route("MatchService", "GetClue"), {{"clue_id", "c"}}, "clue_id=d", "", {})
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
  // The body field of a body-field route cannot come from the query.
  EXPECT_EQ(BuildRequest(Route("ReferralService", "UpsertPartner"), {{"partner.department", "x"}},
                         "partner.enabled=true", "{}", {})
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(TranscoderTest, BodyOnRouteWithoutBodyIsRejected) {
  auto request = BuildRequest(Route("MatchService", "GetClue"), {{"clue_id", "c"}}, "", "{}", {});
  EXPECT_EQ(request.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(TranscoderTest, JsonErrorsNameTheProblemNotTheValue) {
  const ApiRoute review = Route("MatchService", "ReviewClue");
  auto malformed = BuildRequest(review, {{"clue_id", "c"}}, "", R"({"reason": "SECRET)", {});
  EXPECT_EQ(malformed.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(malformed.status().message(), HasSubstr("not a valid JSON object"));
  EXPECT_THAT(malformed.status().message(), Not(HasSubstr("SECRET")));

  auto array = BuildRequest(review, {{"clue_id", "c"}}, "", "[1,2]", {});
  EXPECT_THAT(array.status().message(), HasSubstr("not a valid JSON object"));

  auto unknown = BuildRequest(review, {{"clue_id", "c"}}, "", R"({"verdict":"SECRET"})", {});
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(unknown.status().message(), HasSubstr("unknown field \"verdict\""));
  EXPECT_THAT(unknown.status().message(), Not(HasSubstr("SECRET")));

  auto wrong = BuildRequest(review, {{"clue_id", "c"}}, "", R"({"amount_fen":"SECRET"})", {});
  EXPECT_EQ(wrong.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(wrong.status().message(), HasSubstr("\"amount_fen\""));
  EXPECT_THAT(wrong.status().message(), HasSubstr("wrong type"));
  EXPECT_THAT(wrong.status().message(), Not(HasSubstr("SECRET")));

  auto wrong_enum = BuildRequest(review, {{"clue_id", "c"}}, "", R"({"decision":"SECRET"})", {});
  EXPECT_THAT(wrong_enum.status().message(), HasSubstr("\"decision\""));
  EXPECT_THAT(wrong_enum.status().message(), Not(HasSubstr("SECRET")));

  auto nested = BuildRequest(Route("IngestService", "SubmitBatch"), {{"agency", "court"}}, "",
                             R"({"records":[{"person":{"nickname":"SECRET"}}]})", {});
  EXPECT_THAT(nested.status().message(), HasSubstr("nickname"));
  EXPECT_THAT(nested.status().message(), Not(HasSubstr("SECRET")));

  auto in_body_field = BuildRequest(Route("ReferralService", "UpsertPartner"),
                                    {{"partner.department", "x"}}, "", R"({"colour":1})", {});
  EXPECT_THAT(in_body_field.status().message(), HasSubstr("partner.colour"));
}

TEST(TranscoderTest, OverridesWinOverTheBody) {
  auto request = BuildRequest(Route("MatchService", "ReviewClue"), {{"clue_id", "c-1"}}, "",
                              R"({"reviewer":"mallory","decision":"DECISION_REJECT"})",
                              {{"reviewer", "proc-1"}});
  ASSERT_TRUE(request.ok()) << request.status();
  auto typed = As<match::v1::ReviewClueRequest>(**request);
  EXPECT_EQ(typed.reviewer(), "proc-1");
  EXPECT_EQ(typed.clue_id(), "c-1");
  EXPECT_EQ(typed.decision(), match::v1::Review::DECISION_REJECT);
}

TEST(SetFieldFromTextTest, RepeatedFieldsAppend) {
  google::protobuf::FieldMask mask;
  ASSERT_TRUE(SetFieldFromText(&mask, "paths", "a", "query parameter").ok());
  ASSERT_TRUE(SetFieldFromText(&mask, "paths", "b", "query parameter").ok());
  ASSERT_EQ(mask.paths_size(), 2);
  EXPECT_EQ(mask.paths(1), "b");
}

TEST(SetFieldFromTextTest, ConvertsScalarTypes) {
  referral::v1::Partner partner;
  ASSERT_TRUE(SetFieldFromText(&partner, "enabled", "true", "q").ok());
  ASSERT_TRUE(SetFieldFromText(&partner, "respond_within_days", "-3", "q").ok());
  EXPECT_TRUE(partner.enabled());
  EXPECT_EQ(partner.respond_within_days(), -3);
  EXPECT_FALSE(SetFieldFromText(&partner, "enabled", "yes", "q").ok());
  EXPECT_FALSE(SetFieldFromText(&partner, "respond_within_days", "1.5", "q").ok());
  match::v1::Clue clue;
  ASSERT_TRUE(SetFieldFromText(&clue, "score", "0.25", "q").ok());
  EXPECT_DOUBLE_EQ(clue.score(), 0.25);
  ASSERT_TRUE(SetFieldFromText(&clue, "status", "2", "q").ok());
  EXPECT_EQ(clue.status(), match::v1::CLUE_STATUS_APPROVED);
  ASSERT_TRUE(SetFieldFromText(&clue, "suggested_amount.min_fen", "100", "q").ok());
  EXPECT_EQ(clue.suggested_amount().min_fen(), 100);
  EXPECT_FALSE(SetFieldFromText(&clue, "suggested_amount", "1", "q").ok());
  EXPECT_FALSE(SetFieldFromText(&clue, "evidence.agency", "x", "q").ok());
}

TEST(MessageToJsonTest, PrintsCamelCaseAndOmitsDefaults) {
  ingest::v1::Batch batch;
  batch.set_batch_id("b-1");
  batch.set_record_count(3);
  absl::StatusOr<std::string> json = MessageToJson(batch);
  ASSERT_TRUE(json.ok());
  EXPECT_EQ(*json, R"({"batchId":"b-1","recordCount":3})");
}

}  // namespace
}  // namespace lifeline::gateway
