#include "match-service/domain/review_policy.h"

#include <gtest/gtest.h>

namespace lifeline::match {
namespace {

Review Make(Decision decision, int64_t amount, std::string reason) {
  return Review{decision, amount, std::move(reason), "proc-user-1", ""};
}

TEST(ReviewPolicyTest, ApprovalNeedsAnAmountWithinTheCap) {
  EXPECT_EQ(ApplyReview(ClueStatus::kPendingReview, Make(Decision::kApprove, 0, ""), 1000)
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ApplyReview(ClueStatus::kPendingReview, Make(Decision::kApprove, 1001, ""), 1000)
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(*ApplyReview(ClueStatus::kPendingReview, Make(Decision::kApprove, 1000, ""), 1000),
            ClueStatus::kApproved);
}

TEST(ReviewPolicyTest, RejectAndRequestInfoNeedAReason) {
  EXPECT_EQ(ApplyReview(ClueStatus::kPendingReview, Make(Decision::kReject, 0, "  "), 1000)
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ApplyReview(ClueStatus::kPendingReview, Make(Decision::kRequestInfo, 0, ""), 1000)
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(*ApplyReview(ClueStatus::kPendingReview, Make(Decision::kReject, 0, "no"), 1000),
            ClueStatus::kRejected);
  EXPECT_EQ(
      *ApplyReview(ClueStatus::kPendingReview, Make(Decision::kRequestInfo, 0, "visit"), 1000),
      ClueStatus::kMoreInfoRequested);
}

TEST(ReviewPolicyTest, MoreInfoRequestedCanStillBeDecided) {
  EXPECT_EQ(*ApplyReview(ClueStatus::kMoreInfoRequested, Make(Decision::kApprove, 5, ""), 1000),
            ClueStatus::kApproved);
}

TEST(ReviewPolicyTest, DecisionsAreFinal) {
  for (ClueStatus decided : {ClueStatus::kApproved, ClueStatus::kRejected}) {
    EXPECT_EQ(ApplyReview(decided, Make(Decision::kApprove, 5, ""), 1000).status().code(),
              absl::StatusCode::kFailedPrecondition);
    EXPECT_EQ(ApplyReview(decided, Make(Decision::kReject, 0, "x"), 1000).status().code(),
              absl::StatusCode::kFailedPrecondition);
  }
}

TEST(ReviewPolicyTest, MissingDecisionOrReviewerIsInvalid) {
  EXPECT_EQ(ApplyReview(ClueStatus::kPendingReview, Make(Decision::kUnspecified, 5, "x"), 1000)
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
  Review anonymous = Make(Decision::kApprove, 5, "");
  anonymous.reviewer.clear();
  EXPECT_EQ(ApplyReview(ClueStatus::kPendingReview, anonymous, 1000).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace lifeline::match
