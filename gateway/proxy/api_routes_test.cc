#include "gateway/proxy/api_routes.h"

#include <map>
#include <set>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace lifeline::gateway {
namespace {

std::map<std::string, ApiRoute> ByRpc(const std::vector<ApiRoute>& routes) {
  std::map<std::string, ApiRoute> by_rpc;
  for (const ApiRoute& route : routes) by_rpc[route.method->name()] = route;
  return by_rpc;
}

TEST(ApiRoutesTest, ReadsEveryAnnotatedPublicRpc) {
  absl::StatusOr<std::vector<ApiRoute>> routes = RoutesFromServices(LifelineServices());
  ASSERT_TRUE(routes.ok()) << routes.status();
  auto by_rpc = ByRpc(*routes);
  EXPECT_EQ(routes->size(), 31u);
  EXPECT_EQ(by_rpc["ListAuditEntries"].path_template, "/v1/audit");
  EXPECT_EQ(by_rpc["AddReferral"].http_method, "POST");
  EXPECT_EQ(by_rpc["AddReferral"].path_template, "/v1/plans/{plan_id}/referrals");

  EXPECT_EQ(by_rpc["SubmitBatch"].http_method, "POST");
  EXPECT_EQ(by_rpc["SubmitBatch"].path_template, "/v1/agencies/{agency}/batches");
  EXPECT_EQ(by_rpc["SubmitBatch"].body, "*");
  EXPECT_EQ(by_rpc["GetBatch"].http_method, "GET");
  EXPECT_EQ(by_rpc["GetBatch"].body, "");
  EXPECT_EQ(by_rpc["ReviewClue"].path_template, "/v1/clues/{clue_id}:review");
  EXPECT_EQ(by_rpc["Rescore"].path_template, "/v1/clues:rescore");
  EXPECT_EQ(by_rpc["UpsertPartner"].http_method, "PUT");
  EXPECT_EQ(by_rpc["UpsertPartner"].body, "partner");
  EXPECT_EQ(by_rpc["DeletePartner"].http_method, "DELETE");
  EXPECT_EQ(by_rpc["ListChanges"].path_template, "/v1/changes");
  EXPECT_EQ(by_rpc["ListPossibleMatches"].path_template, "/v1/possible-matches");
  EXPECT_EQ(by_rpc["ResolvePossibleMatch"].path_template, "/v1/possible-matches:resolve");
  EXPECT_EQ(by_rpc["ResolvePossibleMatch"].http_method, "POST");
  EXPECT_EQ(by_rpc["ExplainPair"].path_template, "/v1/records:explain");
  EXPECT_EQ(by_rpc["Relink"].path_template, "/v1/persons:relink");
  EXPECT_EQ(by_rpc["GetLinkModel"].path_template, "/v1/link-model");
  EXPECT_EQ(by_rpc["ReviewClue"].method->full_name(), "lifeline.match.v1.MatchService.ReviewClue");
}

TEST(ApiRoutesTest, InternalRpcsHaveNoRoute) {
  absl::StatusOr<std::vector<ApiRoute>> routes = RoutesFromServices(LifelineServices());
  ASSERT_TRUE(routes.ok());
  auto by_rpc = ByRpc(*routes);
  for (const char* internal : {"UpsertRecords", "CreatePlan", "StreamRecords", "ExportLinks"}) {
    EXPECT_EQ(by_rpc.count(internal), 0u) << internal;
  }
}

TEST(ApiRoutesTest, ResolvesNestedFieldPaths) {
  const auto* upsert = LifelineServices()[2]->FindMethodByName("UpsertPartner");
  ASSERT_NE(upsert, nullptr);
  std::vector<const google::protobuf::FieldDescriptor*> parents;
  const auto* field = ResolveFieldPath(upsert->input_type(), "partner.department", &parents);
  ASSERT_NE(field, nullptr);
  EXPECT_EQ(field->name(), "department");
  ASSERT_EQ(parents.size(), 1u);
  EXPECT_EQ(parents[0]->name(), "partner");
  EXPECT_NE(ResolveFieldPath(upsert->input_type(), "partner.displayName", &parents), nullptr);
  EXPECT_EQ(ResolveFieldPath(upsert->input_type(), "partner.nope", &parents), nullptr);
  EXPECT_EQ(ResolveFieldPath(upsert->input_type(), "partner.department.x", &parents), nullptr);
}

}  // namespace
}  // namespace lifeline::gateway
