#include "common/paging/paging.h"

#include <gtest/gtest.h>

namespace lifeline::common {
namespace {

TEST(PagingTest, PageSizeDefaultsAndCaps) {
  const PageLimits limits{50, 500};
  EXPECT_EQ(PageSize(0, limits), 50);
  EXPECT_EQ(PageSize(-3, limits), 50);
  EXPECT_EQ(PageSize(1, limits), 1);
  EXPECT_EQ(PageSize(500, limits), 500);
  EXPECT_EQ(PageSize(501, limits), 500);
  EXPECT_EQ(PageSize(2147483647, limits), 500);
}

TEST(PagingTest, TokensRoundTripAndBadOnesAreInvalid) {
  EXPECT_EQ(*ParsePageToken(""), 0);
  EXPECT_EQ(*ParsePageToken(NextPageToken(1234)), 1234);
  EXPECT_EQ(NextPageToken(0), "");
  EXPECT_EQ(NextPageToken(-1), "");
  for (const char* bad : {"-1", "abc", "1.5", " 12", "12 ", "+3", "99999999999999999999"}) {
    auto parsed = ParsePageToken(bad);
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
}

}  // namespace
}  // namespace lifeline::common
