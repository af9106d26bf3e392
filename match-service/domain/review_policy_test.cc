#include "match-service/domain/review_policy.h"

#include <gtest/gtest.h>

namespace lifeline::match {
namespace {

// Floor 3,000 yuan, cap 50,000, threshold 10,000.
constexpr ApprovalLimits kLimits{300000, 5000000, 1000000};
const ReviewAuthority kProcurator{false, {"3415"}};
const ReviewAuthority kChief{true, {}};

Review Make(Decision decision, int64_t amount, std::string reason,
            RejectReason code = RejectReason::kUnspecified) {
  return Review{decision, amount, std::move(reason), "proc-user-1", "", code};
}

Review Reject(std::string reason, RejectReason code = RejectReason::kNoHardship) {
  return Make(Decision::kReject, 0, std::move(reason), code);
}

absl::StatusCode Code(ClueStatus current, const Review& review,
                      const ReviewAuthority& authority = kProcurator) {
  return ApplyReview(current, review, kLimits, authority).status().code();
}

TEST(ReviewPolicyTest, ApprovalNeedsAnAmountWithinTheCap) {
  EXPECT_EQ(Code(ClueStatus::kPendingReview, Make(Decision::kApprove, 0, "")),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Code(ClueStatus::kPendingReview, Make(Decision::kApprove, -5, "")),
            absl::StatusCode::kInvalidArgument);
  // Above the cap not even a chief procurator with a note.
  EXPECT_EQ(Code(ClueStatus::kPendingReview, Make(Decision::kApprove, 5000001, "note"), kChief),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(*ApplyReview(ClueStatus::kPendingReview, Make(Decision::kApprove, 1000000, ""), kLimits,
                         kProcurator),
            ClueStatus::kApproved);
  EXPECT_EQ(*ApplyReview(ClueStatus::kPendingReview, Make(Decision::kApprove, 300000, ""), kLimits,
                         kProcurator),
            ClueStatus::kApproved);
}

TEST(ReviewPolicyTest, BelowTheFloorNeedsANoteAndAChiefProcurator) {
  // One fen, the old bug: refused.
  EXPECT_EQ(Code(ClueStatus::kPendingReview, Make(Decision::kApprove, 1, "")),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Code(ClueStatus::kPendingReview, Make(Decision::kApprove, 299999, "family asked")),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(Code(ClueStatus::kPendingReview, Make(Decision::kApprove, 299999, " "), kChief),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(
      *ApplyReview(ClueStatus::kPendingReview,
                   Make(Decision::kApprove, 299999, "part paid by a relief fund"), kLimits, kChief),
      ClueStatus::kApproved);
}

TEST(ReviewPolicyTest, AboveTheThresholdNeedsANoteAndAChiefProcurator) {
  auto status = ApplyReview(ClueStatus::kPendingReview, Make(Decision::kApprove, 1000001, ""),
                            kLimits, kChief)
                    .status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(),
            "approving 10000.01 yuan, above the approval threshold 10000.00 yuan, needs a note");
  EXPECT_EQ(Code(ClueStatus::kPendingReview, Make(Decision::kApprove, 1000001, "serious case")),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(*ApplyReview(ClueStatus::kPendingReview,
                         Make(Decision::kApprove, 5000000, "serious case"), kLimits, kChief),
            ClueStatus::kApproved);
}

TEST(ReviewPolicyTest, RejectionNeedsACodeAndANote) {
  EXPECT_EQ(Code(ClueStatus::kPendingReview, Reject("  ")), absl::StatusCode::kInvalidArgument);
  auto no_code =
      ApplyReview(ClueStatus::kPendingReview, Reject("family declined", {}), kLimits, kProcurator);
  EXPECT_EQ(no_code.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(no_code.status().message().find("reject_reason"), std::string_view::npos);
  // A code out of the enum's range (a newer client) is no code.
  EXPECT_EQ(Code(ClueStatus::kPendingReview, Reject("x", static_cast<RejectReason>(99))),
            absl::StatusCode::kInvalidArgument);
  for (RejectReason code : {RejectReason::kNotEligible, RejectReason::kCompensated,
                            RejectReason::kDataError, RejectReason::kOther}) {
    EXPECT_EQ(
        *ApplyReview(ClueStatus::kPendingReview, Reject("see file", code), kLimits, kProcurator),
        ClueStatus::kRejected);
  }
  EXPECT_EQ(*ApplyReview(ClueStatus::kMoreInfoRequested, Reject("no answer in 60 days"), kLimits,
                         kProcurator),
            ClueStatus::kRejected);
}

TEST(ReviewPolicyTest, RejectReasonCodesAreShortNames) {
  EXPECT_EQ(RejectReasonCode(RejectReason::kNoHardship), "no_hardship");
  EXPECT_EQ(RejectReasonCode(RejectReason::kLitigationFirst), "litigation_first");
  EXPECT_EQ(RejectReasonCode(RejectReason::kUnspecified), "");
  EXPECT_EQ(RejectReasonCode(static_cast<RejectReason>(99)), "");
}

TEST(ReviewPolicyTest, RequestedInformationComesBackToPending) {
  EXPECT_EQ(Code(ClueStatus::kPendingReview, Make(Decision::kRequestInfo, 0, "")),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(*ApplyReview(ClueStatus::kPendingReview, Make(Decision::kRequestInfo, 0, "visit"),
                         kLimits, kProcurator),
            ClueStatus::kMoreInfoRequested);
  // Asking again while waiting is allowed.
  EXPECT_EQ(*ApplyReview(ClueStatus::kMoreInfoRequested,
                         Make(Decision::kRequestInfo, 0, "and the village committee"), kLimits,
                         kProcurator),
            ClueStatus::kMoreInfoRequested);
  EXPECT_EQ(*ApplyReview(ClueStatus::kMoreInfoRequested,
                         Make(Decision::kInfoReceived, 0, "town confirmed the hardship"), kLimits,
                         kProcurator),
            ClueStatus::kPendingReview);
  // What came in must be said.
  EXPECT_EQ(Code(ClueStatus::kMoreInfoRequested, Make(Decision::kInfoReceived, 0, " ")),
            absl::StatusCode::kInvalidArgument);
  // Nothing was asked for.
  EXPECT_EQ(Code(ClueStatus::kPendingReview, Make(Decision::kInfoReceived, 0, "papers")),
            absl::StatusCode::kFailedPrecondition);
  for (ClueStatus other : {ClueStatus::kApproved, ClueStatus::kRejected, ClueStatus::kExcluded,
                           ClueStatus::kWithdrawn}) {
    EXPECT_EQ(Code(other, Make(Decision::kInfoReceived, 0, "papers")),
              absl::StatusCode::kFailedPrecondition);
  }
}

TEST(ReviewPolicyTest, MoreInfoRequestedCanStillBeDecided) {
  EXPECT_EQ(*ApplyReview(ClueStatus::kMoreInfoRequested, Make(Decision::kApprove, 400000, ""),
                         kLimits, kProcurator),
            ClueStatus::kApproved);
}

TEST(ReviewPolicyTest, DecisionsAreFinalAndExcludedCannotBeReviewed) {
  for (ClueStatus decided : {ClueStatus::kApproved, ClueStatus::kRejected, ClueStatus::kExcluded}) {
    EXPECT_EQ(Code(decided, Make(Decision::kApprove, 400000, "")),
              absl::StatusCode::kFailedPrecondition);
    EXPECT_EQ(Code(decided, Reject("x")), absl::StatusCode::kFailedPrecondition);
  }
}

TEST(ReviewPolicyTest, MissingDecisionOrReviewerIsInvalid) {
  EXPECT_EQ(Code(ClueStatus::kPendingReview, Make(Decision::kUnspecified, 400000, "x")),
            absl::StatusCode::kInvalidArgument);
  Review anonymous = Make(Decision::kApprove, 400000, "");
  anonymous.reviewer.clear();
  EXPECT_EQ(Code(ClueStatus::kPendingReview, anonymous), absl::StatusCode::kInvalidArgument);
}

TEST(ReviewAuthorityTest, RegionsArePrefixesAndNoneMeansEvery) {
  EXPECT_TRUE(kProcurator.Covers("341523"));
  EXPECT_FALSE(kProcurator.Covers("340102"));
  EXPECT_FALSE(kProcurator.Covers(""));
  EXPECT_TRUE(kChief.Covers("440106"));
  EXPECT_TRUE(kChief.Covers(""));
  EXPECT_EQ(kProcurator.CheckRegion("340102").code(), absl::StatusCode::kPermissionDenied);
  EXPECT_TRUE(kProcurator.CheckRegion("341500").ok());
}

TEST(ReviewAuthorityTest, NarrowMeetsTheRequestedRegionWithTheCallers) {
  const ReviewAuthority two{false, {"3415", "340102"}};
  EXPECT_EQ(*two.Narrow(""), (std::vector<std::string>{"3415", "340102"}));
  EXPECT_EQ(*two.Narrow("341523"), (std::vector<std::string>{"341523"}));
  EXPECT_EQ(*two.Narrow("34"), (std::vector<std::string>{"3415", "340102"}));
  EXPECT_EQ(*two.Narrow("3401"), (std::vector<std::string>{"340102"}));
  EXPECT_EQ(two.Narrow("3402").status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(*kChief.Narrow("44"), (std::vector<std::string>{"44"}));
  EXPECT_TRUE(kChief.Narrow("")->empty());
}

}  // namespace
}  // namespace lifeline::match
