#include "common/status/status_macros.h"

#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace lifeline::common {
namespace {

absl::Status Fail(bool fail) {
  return fail ? absl::InvalidArgumentError("nope") : absl::OkStatus();
}

absl::Status TwoSteps(bool fail_first, int* reached) {
  RETURN_IF_ERROR(Fail(fail_first));
  *reached = 1;
  RETURN_IF_ERROR(Fail(false));
  *reached = 2;
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<int>> MakeInt(bool fail, int value) {
  if (fail) return absl::NotFoundError("missing");
  return std::make_unique<int>(value);
}

absl::StatusOr<int> Sum(bool fail_second) {
  ASSIGN_OR_RETURN(auto a, MakeInt(false, 2));
  std::unique_ptr<int> b;
  ASSIGN_OR_RETURN(b, MakeInt(fail_second, 3));
  return *a + *b;
}

TEST(StatusMacrosTest, ReturnIfErrorStopsAtFirstError) {
  int reached = 0;
  absl::Status s = TwoSteps(true, &reached);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(reached, 0);
  EXPECT_TRUE(TwoSteps(false, &reached).ok());
  EXPECT_EQ(reached, 2);
}

TEST(StatusMacrosTest, AssignOrReturnMovesValueOrReturnsError) {
  absl::StatusOr<int> ok = Sum(false);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(*ok, 5);
  absl::StatusOr<int> bad = Sum(true);
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace lifeline::common
