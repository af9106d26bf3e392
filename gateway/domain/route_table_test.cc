#include "gateway/domain/route_table.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace lifeline::gateway {
namespace {

using ::testing::ElementsAre;
using ::testing::Pair;
using Outcome = RouteResolution::Outcome;

class RouteTableTest : public ::testing::Test {
 protected:
  void SetUp() override {
    get_clue_ = *table_.Add("GET", "/v1/clues/{clue_id}");
    list_clues_ = *table_.Add("GET", "/v1/clues");
    review_ = *table_.Add("POST", "/v1/clues/{clue_id}:review");
    rescore_ = *table_.Add("POST", "/v1/clues:rescore");
    get_partner_ = *table_.Add("GET", "/v1/partners/{department}");
    put_partner_ = *table_.Add("PUT", "/v1/partners/{partner.department}");
    delete_partner_ = *table_.Add("DELETE", "/v1/partners/{department}");
  }
  RouteTable table_;
  size_t get_clue_ = 0, list_clues_ = 0, review_ = 0, rescore_ = 0, get_partner_ = 0,
         put_partner_ = 0, delete_partner_ = 0;
};

TEST_F(RouteTableTest, FindsRoutesByMethodAndPath) {
  RouteResolution r = table_.Resolve("GET", "/v1/clues/c-1");
  ASSERT_EQ(r.outcome, Outcome::kFound);
  EXPECT_EQ(r.route, get_clue_);
  EXPECT_THAT(r.vars, ElementsAre(Pair("clue_id", "c-1")));

  EXPECT_EQ(table_.Resolve("GET", "/v1/clues").route, list_clues_);
  EXPECT_EQ(table_.Resolve("POST", "/v1/clues:rescore").route, rescore_);
  EXPECT_EQ(table_.Resolve("PUT", "/v1/partners/legal_aid").route, put_partner_);
  EXPECT_EQ(table_.Resolve("DELETE", "/v1/partners/legal_aid").route, delete_partner_);
  EXPECT_EQ(table_.Resolve("GET", "/v1/partners/legal_aid").route, get_partner_);
}

TEST_F(RouteTableTest, VerbTemplateWinsOverPlainVariable) {
  RouteResolution r = table_.Resolve("POST", "/v1/clues/c-1:review");
  ASSERT_EQ(r.outcome, Outcome::kFound);
  EXPECT_EQ(r.route, review_);
  EXPECT_THAT(r.vars, ElementsAre(Pair("clue_id", "c-1")));
  // Not read as GetClue of clue "c-1:review".
  RouteResolution wrong = table_.Resolve("GET", "/v1/clues/c-1:review");
  EXPECT_EQ(wrong.outcome, Outcome::kMethodNotAllowed);
  EXPECT_THAT(wrong.allowed_methods, ElementsAre("POST"));
}

TEST_F(RouteTableTest, WrongMethodOnKnownPathIsMethodNotAllowed) {
  RouteResolution r = table_.Resolve("POST", "/v1/partners/legal_aid");
  EXPECT_EQ(r.outcome, Outcome::kMethodNotAllowed);
  EXPECT_THAT(r.allowed_methods, ElementsAre("DELETE", "GET", "PUT"));
  EXPECT_EQ(table_.Resolve("GET", "/v1/clues:rescore").outcome, Outcome::kMethodNotAllowed);
}

TEST_F(RouteTableTest, UnknownPathIsNotFound) {
  EXPECT_EQ(table_.Resolve("GET", "/v1/nothing").outcome, Outcome::kNotFound);
  EXPECT_EQ(table_.Resolve("GET", "/v1/clues/c-1/extra").outcome, Outcome::kNotFound);
  EXPECT_EQ(table_.Resolve("GET", "/").outcome, Outcome::kNotFound);
}

TEST_F(RouteTableTest, TrailingSlashResolvesLikeWithout) {
  EXPECT_EQ(table_.Resolve("GET", "/v1/clues/").route, list_clues_);
  EXPECT_EQ(table_.Resolve("GET", "/v1/clues/c-1/").route, get_clue_);
}

TEST(RouteTableAddTest, RejectsCollisionsAndBadInput) {
  RouteTable table;
  ASSERT_TRUE(table.Add("GET", "/v1/a/{x}").ok());
  EXPECT_EQ(table.Add("GET", "/v1/a/{y}").status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_TRUE(table.Add("POST", "/v1/a/{y}").ok());
  EXPECT_EQ(table.Add("TRACE", "/v1/b").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(table.Add("GET", "/v1/{x=*}").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(RouteTableAddTest, MoreLiteralSegmentsWin) {
  RouteTable table;
  const size_t by_var = *table.Add("GET", "/v1/a/{x}");
  const size_t literal = *table.Add("GET", "/v1/a/special");
  EXPECT_EQ(table.Resolve("GET", "/v1/a/special").route, literal);
  EXPECT_EQ(table.Resolve("GET", "/v1/a/other").route, by_var);
}

}  // namespace
}  // namespace lifeline::gateway
