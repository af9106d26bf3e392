#include "gateway/domain/route_template.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace lifeline::gateway {
namespace {

using ::testing::ElementsAre;
using ::testing::Pair;

RouteTemplate MustParse(std::string_view text) {
  absl::StatusOr<RouteTemplate> parsed = RouteTemplate::Parse(text);
  EXPECT_TRUE(parsed.ok()) << parsed.status();
  return *parsed;
}

TEST(RouteTemplateTest, ParsesLiteralsVariablesAndVerb) {
  RouteTemplate t = MustParse("/v1/clues/{clue_id}:review");
  EXPECT_EQ(t.verb(), "review");
  EXPECT_THAT(t.variables(), ElementsAre("clue_id"));
  EXPECT_EQ(t.literal_count(), 2);

  RouteTemplate rescore = MustParse("/v1/clues:rescore");
  EXPECT_EQ(rescore.verb(), "rescore");
  EXPECT_TRUE(rescore.variables().empty());

  RouteTemplate nested = MustParse("/v1/partners/{partner.department}");
  EXPECT_EQ(nested.verb(), "");
  EXPECT_THAT(nested.variables(), ElementsAre("partner.department"));
}

TEST(RouteTemplateTest, RejectsUnsupportedTemplates) {
  EXPECT_FALSE(RouteTemplate::Parse("").ok());
  EXPECT_FALSE(RouteTemplate::Parse("v1/clues").ok());
  EXPECT_FALSE(RouteTemplate::Parse("/v1//clues").ok());
  EXPECT_FALSE(RouteTemplate::Parse("/v1/{name=shelves/*}").ok());
  EXPECT_FALSE(RouteTemplate::Parse("/v1/*").ok());
  EXPECT_FALSE(RouteTemplate::Parse("/v1/{clue_id").ok());
  EXPECT_FALSE(RouteTemplate::Parse("/v1/{1abc}").ok());
  EXPECT_FALSE(RouteTemplate::Parse("/v1/clues:").ok());
}

TEST(RouteTemplateTest, MatchesVariables) {
  RouteTemplate t = MustParse("/v1/agencies/{agency}/batches/{batch_id}");
  EXPECT_THAT(*t.Match("/v1/agencies/court/batches/b-1"),
              ElementsAre(Pair("agency", "court"), Pair("batch_id", "b-1")));
  EXPECT_FALSE(t.Match("/v1/agencies/court/batches").has_value());
  EXPECT_FALSE(t.Match("/v1/agencies/court/batches/b-1/rejections").has_value());
  EXPECT_FALSE(t.Match("/v1/agencies//batches/b-1").has_value());
  EXPECT_FALSE(t.Match("/v2/agencies/court/batches/b-1").has_value());
}

TEST(RouteTemplateTest, MatchesNestedFieldVariable) {
  RouteTemplate t = MustParse("/v1/partners/{partner.department}");
  EXPECT_THAT(*t.Match("/v1/partners/legal_aid"),
              ElementsAre(Pair("partner.department", "legal_aid")));
}

TEST(RouteTemplateTest, MatchesVerbOnlyWhenPresent) {
  RouteTemplate t = MustParse("/v1/clues/{clue_id}:review");
  EXPECT_THAT(*t.Match("/v1/clues/c-9:review"), ElementsAre(Pair("clue_id", "c-9")));
  EXPECT_FALSE(t.Match("/v1/clues/c-9").has_value());
  EXPECT_FALSE(t.Match("/v1/clues/c-9:approve").has_value());
  EXPECT_FALSE(t.Match("/v1/clues/:review").has_value());
  // An escaped colon is part of the id, not a verb separator.
  EXPECT_FALSE(t.Match("/v1/clues/c-9%3Areview").has_value());

  RouteTemplate rescore = MustParse("/v1/clues:rescore");
  EXPECT_TRUE(rescore.Match("/v1/clues:rescore").has_value());
  EXPECT_FALSE(rescore.Match("/v1/clues").has_value());
}

TEST(RouteTemplateTest, IgnoresOneTrailingSlash) {
  RouteTemplate t = MustParse("/v1/clues/{clue_id}");
  EXPECT_THAT(*t.Match("/v1/clues/c-1/"), ElementsAre(Pair("clue_id", "c-1")));
  EXPECT_FALSE(t.Match("/v1/clues/c-1//").has_value());
  EXPECT_TRUE(MustParse("/v1/clues").Match("/v1/clues/").has_value());
  // "/v1/clues/" is the list, never a clue with an empty id.
  EXPECT_FALSE(t.Match("/v1/clues/").has_value());
}

TEST(RouteTemplateTest, UrlDecodesVariables) {
  RouteTemplate t = MustParse("/v1/persons/{person_id}");
  EXPECT_THAT(*t.Match("/v1/persons/p%2F1%20x+y"), ElementsAre(Pair("person_id", "p/1 x+y")));
  EXPECT_THAT(*t.Match("/v1/persons/%E5%BC%A0"), ElementsAre(Pair("person_id", "\xE5\xBC\xA0")));
  EXPECT_FALSE(t.Match("/v1/persons/bad%2").has_value());
}

TEST(RouteTemplateTest, SameShapeIgnoresVariableNames) {
  EXPECT_TRUE(MustParse("/v1/a/{x}").SameShape(MustParse("/v1/a/{y}")));
  EXPECT_FALSE(MustParse("/v1/a/{x}").SameShape(MustParse("/v1/a/{x}:go")));
  EXPECT_FALSE(MustParse("/v1/a/{x}").SameShape(MustParse("/v1/a/b")));
}

}  // namespace
}  // namespace lifeline::gateway
