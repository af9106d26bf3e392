#include "gateway/domain/role_policy.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace lifeline::gateway {
namespace {

using ::testing::IsEmpty;

constexpr char kSubmit[] = "lifeline.ingest.v1.IngestService.SubmitBatch";
constexpr char kGetBatch[] = "lifeline.ingest.v1.IngestService.GetBatch";
constexpr char kReview[] = "lifeline.match.v1.MatchService.ReviewClue";
constexpr char kRescore[] = "lifeline.match.v1.MatchService.Rescore";
constexpr char kGetPlan[] = "lifeline.referral.v1.ReferralService.GetPlan";
constexpr char kListReferrals[] = "lifeline.referral.v1.ReferralService.ListReferrals";
constexpr char kTransition[] = "lifeline.referral.v1.ReferralService.TransitionReferral";
constexpr char kUpsertPartner[] = "lifeline.referral.v1.ReferralService.UpsertPartner";
constexpr char kListChanges[] = "lifeline.referral.v1.ReferralService.ListChanges";

const Principal kCourt{"court-clerk", kRoleAgencySubmitter, "court"};
const Principal kProcurator{"proc-1", kRoleProcurator, "34"};
const Principal kPartner{"la-desk", kRolePartner, "legal_aid"};
const Principal kAdmin{"root", kRoleAdmin, ""};

TEST(RolePolicyTest, SubmitterOnlyForOwnAgency) {
  RolePolicy policy = RolePolicy::Default();
  EXPECT_TRUE(policy.Authorize(kSubmit, kCourt, {{"agency", "court"}}).ok());
  EXPECT_TRUE(policy.Authorize(kGetBatch, kCourt, {{"agency", "court"}, {"batch_id", "b"}}).ok());
  absl::Status other = policy.Authorize(kSubmit, kCourt, {{"agency", "civil_affairs"}});
  EXPECT_EQ(other.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(std::string(other.message()).find("court-clerk"), std::string::npos);
  EXPECT_EQ(policy.Authorize(kSubmit, kCourt, {}).code(), absl::StatusCode::kPermissionDenied);
  Principal no_scope = kCourt;
  no_scope.scope = "";
  EXPECT_EQ(policy.Authorize(kSubmit, no_scope, {{"agency", ""}}).code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_TRUE(policy.Authorize(kSubmit, kAdmin, {{"agency", "court"}}).ok());
  EXPECT_EQ(policy.Authorize(kSubmit, kProcurator, {{"agency", "court"}}).code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(policy.Authorize(kSubmit, kPartner, {{"agency", "legal_aid"}}).code(),
            absl::StatusCode::kPermissionDenied);
}

TEST(RolePolicyTest, MatchRoutesForProcuratorAndAdmin) {
  RolePolicy policy = RolePolicy::Default();
  EXPECT_TRUE(policy.Authorize(kReview, kProcurator, {{"clue_id", "c"}}).ok());
  EXPECT_TRUE(policy.Authorize(kRescore, kAdmin, {}).ok());
  EXPECT_EQ(policy.Authorize(kReview, kCourt, {}).code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(policy.Authorize(kReview, kPartner, {}).code(), absl::StatusCode::kPermissionDenied);
}

TEST(RolePolicyTest, PossibleMatchReviewForProcuratorsRelinkForAdmins) {
  const RolePolicy policy = RolePolicy::Default();
  const std::string match = "lifeline.match.v1.MatchService.";
  for (const char* rpc :
       {"ListPossibleMatches", "ResolvePossibleMatch", "ExplainPair", "GetLinkModel"}) {
    EXPECT_TRUE(policy.Authorize(match + rpc, kProcurator, {}).ok()) << rpc;
    EXPECT_TRUE(policy.Authorize(match + rpc, kAdmin, {}).ok()) << rpc;
    EXPECT_EQ(policy.Authorize(match + rpc, kCourt, {}).code(), absl::StatusCode::kPermissionDenied)
        << rpc;
    EXPECT_EQ(policy.Authorize(match + rpc, kPartner, {}).code(),
              absl::StatusCode::kPermissionDenied)
        << rpc;
  }
  EXPECT_TRUE(policy.Authorize(match + "Relink", kAdmin, {}).ok());
  EXPECT_EQ(policy.Authorize(match + "Relink", kProcurator, {}).code(),
            absl::StatusCode::kPermissionDenied);
}

TEST(RolePolicyTest, ReferralRoutes) {
  RolePolicy policy = RolePolicy::Default();
  EXPECT_TRUE(policy.Authorize(kGetPlan, kProcurator, {}).ok());
  EXPECT_EQ(policy.Authorize(kGetPlan, kPartner, {}).code(), absl::StatusCode::kPermissionDenied);
  for (const Principal& p : {kPartner, kProcurator, kAdmin}) {
    EXPECT_TRUE(policy.Authorize(kListReferrals, p, {}).ok()) << p.role;
    EXPECT_TRUE(policy.Authorize(kTransition, p, {}).ok()) << p.role;
  }
  EXPECT_EQ(policy.Authorize(kTransition, kCourt, {}).code(), absl::StatusCode::kPermissionDenied);
  EXPECT_TRUE(policy.Authorize(kUpsertPartner, kAdmin, {}).ok());
  EXPECT_EQ(policy.Authorize(kUpsertPartner, kProcurator, {}).code(),
            absl::StatusCode::kPermissionDenied);
  const std::string add_referral = "lifeline.referral.v1.ReferralService.AddReferral";
  EXPECT_TRUE(policy.Authorize(add_referral, kProcurator, {}).ok());
  EXPECT_EQ(policy.Authorize(add_referral, kPartner, {}).code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_TRUE(policy.Authorize(kListChanges, kProcurator, {}).ok());
  // A department polls its own feed: the gateway pins the department to its scope.
  EXPECT_TRUE(policy.Authorize(kListChanges, kPartner, {}).ok());
  EXPECT_EQ(policy.Authorize(kListChanges, Principal{"a", kRoleAuditor, ""}, {}).code(),
            absl::StatusCode::kPermissionDenied);
  std::vector<FieldOverride> pinned = RolePolicy::Overrides(kListChanges, kPartner);
  ASSERT_EQ(pinned.size(), 1u);
  EXPECT_EQ(pinned[0].field, "department");
  EXPECT_EQ(pinned[0].value, kPartner.scope);
  EXPECT_TRUE(RolePolicy::Overrides(kListChanges, kProcurator).empty());

  // Procurators ask offices to verify; only partners answer; both list (partners their own).
  const std::string request_verification =
      "lifeline.referral.v1.ReferralService.RequestVerification";
  const std::string answer_verification = "lifeline.referral.v1.ReferralService.AnswerVerification";
  const std::string list_verifications = "lifeline.referral.v1.ReferralService.ListVerifications";
  EXPECT_TRUE(policy.Authorize(request_verification, kProcurator, {}).ok());
  EXPECT_EQ(policy.Authorize(request_verification, kPartner, {}).code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_TRUE(policy.Authorize(answer_verification, kPartner, {}).ok());
  EXPECT_EQ(policy.Authorize(answer_verification, kProcurator, {}).code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(policy.Authorize(answer_verification, kAdmin, {}).code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_TRUE(policy.Authorize(list_verifications, kPartner, {}).ok());
  EXPECT_TRUE(policy.Authorize(list_verifications, kProcurator, {}).ok());
  ASSERT_EQ(RolePolicy::Overrides(list_verifications, kPartner).size(), 1u);
  // Delivery repairs are the admins'.
  for (const char* repair : {"ListUndeliverable", "RetryDelivery", "RetryVerificationDelivery"}) {
    const std::string rpc = std::string("lifeline.referral.v1.ReferralService.") + repair;
    EXPECT_TRUE(policy.Authorize(rpc, kAdmin, {}).ok()) << repair;
    for (const Principal& p : {kPartner, kProcurator, kCourt}) {
      EXPECT_EQ(policy.Authorize(rpc, p, {}).code(), absl::StatusCode::kPermissionDenied)
          << repair << " " << p.role;
    }
  }
}

TEST(RolePolicyTest, UnknownRpcsAndRolesAreDenied) {
  RolePolicy policy = RolePolicy::Default();
  for (const char* internal : {"lifeline.match.v1.MatchService.UpsertRecords",
                               "lifeline.referral.v1.ReferralService.CreatePlan",
                               "lifeline.ingest.v1.IngestService.StreamRecords",
                               "lifeline.match.v1.MatchService.ExportLinks"}) {
    EXPECT_FALSE(policy.Covers(internal)) << internal;
    EXPECT_EQ(policy.Authorize(internal, kAdmin, {}).code(), absl::StatusCode::kPermissionDenied);
  }
  Principal stranger{"x", "superuser", ""};
  EXPECT_EQ(policy.Authorize(kGetPlan, stranger, {}).code(), absl::StatusCode::kPermissionDenied);
  EXPECT_TRUE(policy.Covers(kReview));
}

TEST(RolePolicyTest, OverridesFillReviewerAndPartnersDepartment) {
  auto review = RolePolicy::Overrides(kReview, kProcurator);
  ASSERT_EQ(review.size(), 1u);
  EXPECT_EQ(review[0].field, "reviewer");
  EXPECT_EQ(review[0].value, "proc-1");

  // A transition's actor is referral-service's to decide from the signed caller (ActorOf there).
  EXPECT_TRUE(RolePolicy::Overrides(kTransition, kPartner).empty());
  EXPECT_TRUE(RolePolicy::Overrides(kTransition, kProcurator).empty());

  auto partner_list = RolePolicy::Overrides(kListReferrals, kPartner);
  ASSERT_EQ(partner_list.size(), 1u);
  EXPECT_EQ(partner_list[0].field, "department");
  EXPECT_EQ(partner_list[0].value, "legal_aid");
  EXPECT_THAT(RolePolicy::Overrides(kListReferrals, kProcurator), IsEmpty());
  EXPECT_THAT(RolePolicy::Overrides(kGetPlan, kAdmin), IsEmpty());
}

TEST(RoleNamesTest, KnownRolesAndScopes) {
  EXPECT_TRUE(IsKnownRole("admin"));
  EXPECT_FALSE(IsKnownRole("root"));
  EXPECT_TRUE(RoleNeedsScope(kRolePartner));
  EXPECT_TRUE(RoleNeedsScope(kRoleAgencySubmitter));
  EXPECT_TRUE(IsKnownRole("chief_procurator"));
  // Procurators are bound to regions, which match-service checks.
  EXPECT_TRUE(RoleNeedsScope(kRoleProcurator));
  EXPECT_TRUE(RoleNeedsScope(kRoleChiefProcurator));
  EXPECT_FALSE(RoleNeedsScope(kRoleAdmin));
}

}  // namespace
}  // namespace lifeline::gateway
