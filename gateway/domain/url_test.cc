#include "gateway/domain/url.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace lifeline::gateway {
namespace {

using ::testing::ElementsAre;
using ::testing::Pair;

TEST(SplitTargetTest, SplitsAtFirstQuestionMark) {
  SplitTargetResult split = SplitTarget("/v1/clues?status=X&a=b?c");
  EXPECT_EQ(split.path, "/v1/clues");
  EXPECT_EQ(split.query, "status=X&a=b?c");
  EXPECT_EQ(SplitTarget("/v1/clues").query, "");
}

TEST(PercentDecodeTest, DecodesEscapesAndPlus) {
  EXPECT_EQ(PercentDecode("a%2Fb%20c", false), "a/b c");
  EXPECT_EQ(PercentDecode("a+b", false), "a+b");
  EXPECT_EQ(PercentDecode("a+b", true), "a b");
  EXPECT_EQ(PercentDecode("%E5%BC%A0", false), "\xE5\xBC\xA0");
}

TEST(PercentDecodeTest, RejectsMalformedEscapes) {
  EXPECT_EQ(PercentDecode("abc%", false), std::nullopt);
  EXPECT_EQ(PercentDecode("abc%4", false), std::nullopt);
  EXPECT_EQ(PercentDecode("%zz", false), std::nullopt);
}

TEST(ParseQueryTest, KeepsOrderAndRepetition) {
  auto params = ParseQuery("a=1&b=x%20y&&a=2&flag");
  ASSERT_TRUE(params.has_value());
  EXPECT_THAT(*params,
              ElementsAre(Pair("a", "1"), Pair("b", "x y"), Pair("a", "2"), Pair("flag", "")));
  EXPECT_EQ(ParseQuery("a=%G1"), std::nullopt);
  // Decoded names and values are text: bytes that are not UTF-8 are refused.
  EXPECT_EQ(ParseQuery("a=%FF"), std::nullopt);
  EXPECT_EQ(ParseQuery("%C3=1"), std::nullopt);
  ASSERT_TRUE(ParseQuery("name=%E6%B5%8B").has_value());
  EXPECT_EQ(ParseQuery("name=%E6%B5%8B")->front().second, "测");
  EXPECT_TRUE(ParseQuery("")->empty());
}

}  // namespace
}  // namespace lifeline::gateway
