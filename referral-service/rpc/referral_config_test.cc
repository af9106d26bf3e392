#include "referral-service/rpc/referral_config.h"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <set>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/testing/process.h"
#include "referral-service/domain/deadlines.h"
#include "referral-service/domain/partner_rules.h"

namespace lifeline::referral {
namespace {

using ::testing::ElementsAre;

std::string SourceFile(const std::string& relative) {
  const char* root = std::getenv("LIFELINE_SOURCE_DIR");
  return std::string(root == nullptr ? "." : root) + "/" + relative;
}

std::vector<std::string> Departments(const std::vector<RoutedReferral>& routed) {
  std::vector<std::string> out;
  for (const RoutedReferral& r : routed) out.push_back(r.department);
  return out;
}

TEST(ReferralConfigTest, ShippedRoutingFollowsTheDomainTable) {
  absl::StatusOr<Router> router = LoadRouter(SourceFile("config/referral.yaml"));
  ASSERT_TRUE(router.ok()) << router.status();
  // A dependant of a deceased victim, unpaid compensation, rural household at risk, disability.
  EXPECT_THAT(Departments(router->Route(
                  {"unpaid_compensation", "bereavement", "rural_poverty_risk", "disability"})),
              ElementsAre("legal_aid", "counselling", "law_popularization", "rural_revitalization",
                          "disabled_persons_federation", "village_committee"));
  EXPECT_THAT(Departments(router->Route({})),
              ElementsAre("law_popularization", "village_committee"));
  EXPECT_THAT(
      Departments(router->Route({"minor", "school_age_dependant", "women_difficulty", "veteran",
                                 "medical_costs", "lost_income", "not_covered_poor"})),
      ElementsAre("counselling", "law_popularization", "civil_affairs", "womens_federation",
                  "education", "human_resources_social_security", "medical_security",
                  "veterans_affairs", "village_committee"));
  // Every need the CreatePlanRequest documents is routed.
  EXPECT_TRUE(router
                  ->UnknownNeeds({"unpaid_compensation", "bereavement", "violent_crime", "minor",
                                  "rural_poverty_risk", "not_covered_poor", "women_difficulty",
                                  "disability", "school_age_dependant", "lost_income",
                                  "medical_costs", "veteran"})
                  .empty());
}

TEST(ReferralConfigTest, ShippedPartnersCoverEveryRoutedDepartment) {
  absl::StatusOr<Router> router = LoadRouter(SourceFile("config/referral.yaml"));
  ASSERT_TRUE(router.ok()) << router.status();
  absl::StatusOr<std::vector<Partner>> partners =
      LoadPartnerDirectory(SourceFile("config/partners.yaml"));
  ASSERT_TRUE(partners.ok()) << partners.status();
  std::set<std::string> known;
  for (const Partner& p : *partners) {
    known.insert(p.department);
    // Every shipped agreement passes the directory's own check.
    EXPECT_TRUE(ValidatePartner(p).ok()) << p.department << ": " << ValidatePartner(p);
    EXPECT_TRUE(p.enabled) << p.department;
  }
  for (const RouteRule& rule : router->rules()) {
    EXPECT_TRUE(known.contains(rule.department)) << rule.department;
  }
  // The example agreement of the file's comment: accept in 2, start in 10, finish in 30.
  auto legal_aid = std::find_if(partners->begin(), partners->end(),
                                [](const Partner& p) { return p.department == "legal_aid"; });
  ASSERT_NE(legal_aid, partners->end());
  const Agreement agreement = AgreementOf(*legal_aid);
  EXPECT_EQ(agreement.accept_days, 2);
  EXPECT_EQ(agreement.progress_days, 10);
  EXPECT_EQ(agreement.complete_days, 30);
  EXPECT_EQ(agreement.reroute_after_days, 5);
}

// The shipped table: every year it has loads, with the holidays and working weekends of the
// State Council's notices (spot checks of 2025 and 2026).
TEST(ReferralConfigTest, ShippedCalendarLoads) {
  absl::StatusOr<WorkingCalendar> calendar =
      LoadWorkingCalendar(SourceFile("config/holidays.yaml"));
  ASSERT_TRUE(calendar.ok()) << calendar.status();
  EXPECT_TRUE(calendar->MissingYears(2024, 2026).empty());
  EXPECT_FALSE(calendar->IsWorkingDay(absl::CivilDay(2025, 1, 28)));  // Spring Festival's eve
  EXPECT_TRUE(calendar->IsWorkingDay(absl::CivilDay(2025, 2, 8)));    // a Saturday worked
  EXPECT_FALSE(calendar->IsWorkingDay(absl::CivilDay(2025, 10, 8)));  // National Day, Wednesday
  EXPECT_TRUE(calendar->IsWorkingDay(absl::CivilDay(2026, 1, 4)));    // a Sunday worked
  EXPECT_FALSE(calendar->IsWorkingDay(absl::CivilDay(2026, 2, 23)));  // a Monday off
  EXPECT_TRUE(calendar->IsWorkingDay(absl::CivilDay(2026, 10, 10)));  // a Saturday worked
}

class TempYaml : public ::testing::Test {
 protected:
  std::string Write(const std::string& text) {
    const std::string path = dir_.path() + "/config.yaml";
    std::ofstream(path) << text;
    return path;
  }
  common::testing::TempDir dir_;
};

TEST_F(TempYaml, UnknownKeyIsRejected) {
  absl::StatusOr<Router> router =
      LoadRouter(Write("routes:\n  - need: x\n    department: legal_aid\n    service: s\n"
                       "    reason: r\n    priority: 1\n"));
  EXPECT_EQ(router.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(TempYaml, BadDepartmentIsRejected) {
  absl::StatusOr<Router> router = LoadRouter(
      Write("routes:\n  - need: x\n    department: Legal Aid\n    service: s\n    reason: r\n"));
  EXPECT_EQ(router.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(TempYaml, DuplicatePartnerIsRejected) {
  absl::StatusOr<std::vector<Partner>> partners = LoadPartnerDirectory(
      Write("partners:\n"
            "  - {department: legal_aid, display_name: A, inbox_target: 'h:1', "
            "respond_within_days: 5, enabled: true}\n"
            "  - {department: legal_aid, display_name: B, inbox_target: 'h:1', "
            "respond_within_days: 5, enabled: true}\n"));
  EXPECT_EQ(partners.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(TempYaml, MissingInboxTargetIsRejected) {
  absl::StatusOr<std::vector<Partner>> partners = LoadPartnerDirectory(
      Write("partners:\n  - {department: legal_aid, display_name: A, respond_within_days: 5}\n"));
  EXPECT_EQ(partners.status().code(), absl::StatusCode::kInvalidArgument);
}

// A bad calendar entry names its year and entry and stops the start.
TEST_F(TempYaml, BadCalendarEntriesAreRejected) {
  for (const std::string& text : {
           std::string("years:\n  - year: 2026\n    holidays: [2026-02-30]\n"),
           std::string("years:\n  - year: 2026\n    holidays: [2026-02-23..2026-02-15]\n"),
           std::string("years:\n  - year: 2026\n    holidays: [2026-12-30..2027-01-02]\n"),
           std::string("years:\n  - year: 2026\n    holidays: [2025-10-01]\n"),
           std::string("years:\n  - year: 2026\n    working_weekends: [2026-02-16]\n"),
           std::string("years:\n  - year: 2026\n  - year: 2026\n"),
           std::string("years:\n  - year: 2026\n    days_off: [2026-02-16]\n"),
       }) {
    absl::StatusOr<WorkingCalendar> calendar = LoadWorkingCalendar(Write(text));
    EXPECT_EQ(calendar.status().code(), absl::StatusCode::kInvalidArgument) << text;
  }
  absl::StatusOr<WorkingCalendar> named =
      LoadWorkingCalendar(Write("years:\n  - year: 2026\n    holidays: [2026-01-01, 26-1-2]\n"));
  EXPECT_NE(named.status().message().find("years[0] (2026).holidays[1]"), std::string::npos)
      << named.status();
  EXPECT_EQ(LoadWorkingCalendar(dir_.path() + "/missing.yaml").status().code(),
            absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace lifeline::referral
