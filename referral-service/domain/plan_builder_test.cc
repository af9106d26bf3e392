#include "referral-service/domain/plan_builder.h"

#include <tuple>

#include <gtest/gtest.h>

#include "referral-service/domain/delivery_request.h"
#include "referral-service/domain/partner_rules.h"
#include "referral-service/domain/referral_state.h"

namespace lifeline::referral {
namespace {

class PlanBuilderTest : public ::testing::Test {
 protected:
  PlanBuilderTest()
      : clock_(absl::FromCivil(absl::CivilSecond(2026, 11, 26, 2, 0, 0), absl::UTCTimeZone())),
        router_(*Router::Create({
            {"disability", "disabled_persons_federation", "rehabilitation", "disability"},
            {"every_plan", "law_popularization", "law education", "every plan"},
        })),
        builder_(&router_, &clock_, &ids_) {}

  common::FakeClock clock_;
  SequentialIdGenerator ids_;
  Router router_;
  PlanBuilder builder_;
};

PlanRequest Request() {
  PlanRequest request;
  request.clue_id = "clue-1";
  request.person.person_id = "p-1";
  request.needs = {"disability"};
  request.approved_amount_fen = 3'000'000;
  return request;
}

// Approved on Thursday 12 February 2026, three days before the Spring Festival: a five-day
// response deadline counts Friday, the worked Saturday before the holiday, then the first three
// working days after it.
TEST(PlanBuilderCalendarTest, DeadlinesSkipTheSpringFestival) {
  CalendarYear year{2026, {}, {absl::CivilDay(2026, 2, 14), absl::CivilDay(2026, 2, 28)}};
  for (absl::CivilDay day(2026, 2, 15); day <= absl::CivilDay(2026, 2, 23); ++day) {
    year.holidays.push_back(day);
  }
  absl::StatusOr<WorkingCalendar> calendar = WorkingCalendar::Create({year});
  ASSERT_TRUE(calendar.ok());
  // 10:00 in Beijing.
  common::FakeClock clock(
      absl::FromCivil(absl::CivilSecond(2026, 2, 12, 2, 0, 0), absl::UTCTimeZone()));
  Router router = *Router::Create({{"every_plan", "law_popularization", "law education", "all"}});
  SequentialIdGenerator ids;
  PlanBuilder builder(&router, &clock, &ids, &*calendar);
  absl::StatusOr<Plan> plan = builder.Build(Request(), [](const std::string&) {
    return std::optional<Partner>();  // not in the directory: the default five days
  });
  ASSERT_TRUE(plan.ok()) << plan.status();
  ASSERT_EQ(plan->referrals.size(), 1u);
  EXPECT_EQ(plan->referrals[0].respond_by, absl::CivilDay(2026, 2, 26));
  // Without the calendar: Monday to Friday only.
  PlanBuilder weekdays(&router, &clock, &ids);
  EXPECT_EQ(weekdays.Build(Request(), [](const std::string&) { return std::optional<Partner>(); })
                ->referrals[0]
                .respond_by,
            absl::CivilDay(2026, 2, 19));
}

TEST_F(PlanBuilderTest, BuildsReferralsWithWorkingDayDeadlines) {
  auto lookup = [](const std::string& department) -> std::optional<Partner> {
    if (department == "law_popularization") {
      Partner p;
      p.department = department;
      p.respond_within_days = 2;
      return p;
    }
    return std::nullopt;
  };
  absl::StatusOr<Plan> plan = builder_.Build(Request(), lookup);
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->plan_id, "plan_1");
  EXPECT_EQ(plan->state, PlanState::kOpen);
  EXPECT_EQ(plan->assistance_amount_fen, 3'000'000);
  ASSERT_EQ(plan->referrals.size(), 2u);
  const Referral& disabled = plan->referrals[0];
  EXPECT_EQ(disabled.department, "disabled_persons_federation");
  EXPECT_EQ(disabled.plan_id, "plan_1");
  EXPECT_EQ(disabled.state, ReferralState::kRequested);
  // Thursday + 5 working days (default, not in the directory) = next Thursday.
  EXPECT_EQ(disabled.respond_by, absl::CivilDay(2026, 12, 3));
  // Thursday + 2 working days = Monday.
  EXPECT_EQ(plan->referrals[1].respond_by, absl::CivilDay(2026, 11, 30));
  EXPECT_NE(plan->referrals[0].referral_id, plan->referrals[1].referral_id);
  ASSERT_EQ(disabled.history.size(), 1u);
  EXPECT_EQ(disabled.history[0].from_state, ReferralState::kUnspecified);
  EXPECT_EQ(disabled.history[0].to_state, ReferralState::kRequested);
  EXPECT_EQ(disabled.history[0].actor, "referral-service");  // no approver in the request
  EXPECT_EQ(disabled.history[0].time, clock_.Now());
}

TEST_F(PlanBuilderTest, InitialEventsActAsTheApproverAndAnEmptyPlanIsClosed) {
  auto none = [](const std::string&) -> std::optional<Partner> { return std::nullopt; };
  PlanRequest request = Request();
  request.approved_by = "procurator-1";
  absl::StatusOr<Plan> plan = builder_.Build(request, none);
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->referrals[1].history.at(0).actor, "procurator-1");
  EXPECT_EQ(plan->closed_time, absl::InfinitePast());

  auto no_routes = Router::Create({});
  ASSERT_TRUE(no_routes.ok());
  PlanBuilder builder(&*no_routes, &clock_, &ids_);
  absl::StatusOr<Plan> empty = builder.Build(request, none);
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->referrals.empty());
  EXPECT_EQ(empty->state, PlanState::kClosed);
  EXPECT_EQ(empty->closed_time, clock_.Now());
}

TEST_F(PlanBuilderTest, DeliveryRequestsCarryOnlyWhatTheDepartmentNeeds) {
  PlanRequest request = Request();
  request.person.name = "Test Person";
  request.person.id_masked = "3415**********123X";
  request.referring_unit = "unit-1";
  absl::StatusOr<Plan> plan =
      builder_.Build(request, [](const std::string&) { return std::nullopt; });
  ASSERT_TRUE(plan.ok());
  std::vector<partner::v1::DeliverReferralRequest> requests = BuildDeliveryRequests(*plan);
  ASSERT_EQ(requests.size(), plan->referrals.size());
  for (size_t i = 0; i < requests.size(); ++i) {
    const Referral& referral = plan->referrals[i];
    EXPECT_EQ(requests[i].idempotency_key(), referral.referral_id);
    EXPECT_EQ(requests[i].referral().referral_id(), referral.referral_id);
    EXPECT_EQ(requests[i].referral().plan_id(), plan->plan_id);
    EXPECT_EQ(requests[i].referral().department(), referral.department);
    EXPECT_EQ(requests[i].referral().person_name(), "Test Person");
    EXPECT_EQ(requests[i].referral().person_id_masked(), "3415**********123X");
    EXPECT_EQ(requests[i].referral().respond_by(), common::FormatDate(referral.respond_by));
    EXPECT_EQ(requests[i].referral().referring_unit(), "unit-1");
  }
}

TEST_F(PlanBuilderTest, RejectsMissingFields) {
  auto none = [](const std::string&) -> std::optional<Partner> { return std::nullopt; };
  PlanRequest request = Request();
  request.clue_id = "";
  EXPECT_EQ(builder_.Build(request, none).status().code(), absl::StatusCode::kInvalidArgument);
  request = Request();
  request.person.person_id = "";
  EXPECT_EQ(builder_.Build(request, none).status().code(), absl::StatusCode::kInvalidArgument);
  request = Request();
  request.approved_amount_fen = -1;
  EXPECT_EQ(builder_.Build(request, none).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(PartnerRulesTest, DepartmentCodes) {
  EXPECT_TRUE(IsDepartmentCode("legal_aid"));
  EXPECT_TRUE(IsDepartmentCode("unit2"));
  EXPECT_FALSE(IsDepartmentCode(""));
  EXPECT_FALSE(IsDepartmentCode("Legal_aid"));
  EXPECT_FALSE(IsDepartmentCode("legal-aid"));
  EXPECT_FALSE(IsDepartmentCode("_legal"));
  EXPECT_FALSE(IsDepartmentCode("legal_"));
  EXPECT_FALSE(IsDepartmentCode("legal__aid"));
  EXPECT_FALSE(IsDepartmentCode("2unit"));
}

TEST(PartnerRulesTest, ValidatePartner) {
  Partner partner{"legal_aid", "Legal aid centre", "127.0.0.1:1", 5, true};
  EXPECT_TRUE(ValidatePartner(partner).ok());
  Partner bad = partner;
  bad.inbox_target = "";
  EXPECT_EQ(ValidatePartner(bad).code(), absl::StatusCode::kInvalidArgument);
  bad = partner;
  bad.department = "Legal Aid";
  EXPECT_EQ(ValidatePartner(bad).code(), absl::StatusCode::kInvalidArgument);
  bad = partner;
  bad.respond_within_days = 0;
  EXPECT_EQ(ValidatePartner(bad).code(), absl::StatusCode::kInvalidArgument);

  // The agreement's later stages: 0 takes the default, otherwise no earlier than the stage before.
  Partner agreed = partner;
  agreed.progress_within_days = 10;
  agreed.complete_within_days = 30;
  agreed.reroute_after_days = 5;
  EXPECT_TRUE(ValidatePartner(agreed).ok());
  agreed.complete_within_days = 0;
  EXPECT_TRUE(ValidatePartner(agreed).ok());
  for (auto [progress, complete, reroute] :
       {std::tuple{4, 0, 0}, std::tuple{10, 9, 0}, std::tuple{0, 366, 0}, std::tuple{10, 30, 61},
        std::tuple{10, 30, -1}, std::tuple{-1, 0, 0}}) {
    bad = partner;
    bad.progress_within_days = progress;
    bad.complete_within_days = complete;
    bad.reroute_after_days = reroute;
    absl::Status status = ValidatePartner(bad);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument)
        << progress << " " << complete << " " << reroute;
  }
  EXPECT_NE(ValidatePartner(Partner{"legal_aid", "L", "t", 5, true, 4, 0, 0})
                .message()
                .find("progress_within_days: 4 is outside 5..365"),
            std::string_view::npos);
}

TEST(PartnerRulesTest, OnlyADepartmentWithoutOpenReferralsIsRemovable) {
  EXPECT_TRUE(CheckPartnerRemovable("legal_aid", {}).ok());
  std::vector<ReferralCount> closed = {{"legal_aid", ReferralState::kCompleted, 3},
                                       {"legal_aid", ReferralState::kCancelled, 1}};
  EXPECT_TRUE(CheckPartnerRemovable("legal_aid", closed).ok());
  for (ReferralState open : {ReferralState::kRequested, ReferralState::kAccepted,
                             ReferralState::kInProgress, ReferralState::kOnHold}) {
    std::vector<ReferralCount> counts = closed;
    counts.push_back({"legal_aid", open, 2});
    absl::Status status = CheckPartnerRemovable("legal_aid", counts);
    EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition) << StateName(open);
    EXPECT_NE(status.message().find("2 open referrals"), std::string_view::npos) << status;
  }
}

}  // namespace
}  // namespace lifeline::referral
