#include "referral-service/domain/router.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace lifeline::referral {
namespace {

using ::testing::ElementsAre;
using ::testing::Field;

std::vector<RouteRule> Table() {
  return {
      {"unpaid_compensation", "legal_aid", "legal aid", "unpaid"},
      {"enforcement_problem", "legal_aid", "enforcement help", "enforcement"},
      {"bereavement", "counselling", "grief counselling", "bereaved"},
      {"violent_crime", "counselling", "trauma counselling", "violence"},
      {"every_plan", "law_popularization", "law education", "every plan"},
      {"rural_poverty_risk", "rural_revitalization", "monitoring", "rural risk"},
      {"disability", "disabled_persons_federation", "rehabilitation", "disability"},
      {"every_plan", "village_committee", "home visit", "every plan"},
  };
}

std::vector<std::string> Departments(const std::vector<RoutedReferral>& routed) {
  std::vector<std::string> out;
  for (const RoutedReferral& r : routed) out.push_back(r.department);
  return out;
}

TEST(RouterTest, EveryPlanRoutesAlwaysApply) {
  absl::StatusOr<Router> router = Router::Create(Table());
  ASSERT_TRUE(router.ok()) << router.status();
  EXPECT_THAT(Departments(router->Route({})),
              ElementsAre("law_popularization", "village_committee"));
}

TEST(RouterTest, DeduplicatesByDepartmentFirstRowWins) {
  absl::StatusOr<Router> router = Router::Create(Table());
  ASSERT_TRUE(router.ok());
  std::vector<RoutedReferral> routed =
      router->Route({"violent_crime", "enforcement_problem", "bereavement", "unpaid_compensation"});
  EXPECT_THAT(Departments(routed),
              ElementsAre("legal_aid", "counselling", "law_popularization", "village_committee"));
  EXPECT_THAT(routed, ::testing::Contains(Field(&RoutedReferral::service, "legal aid")));
  EXPECT_THAT(routed, ::testing::Contains(Field(&RoutedReferral::service, "grief counselling")));
}

TEST(RouterTest, DependantOfDeceasedRuralFamilyWithDisability) {
  absl::StatusOr<Router> router = Router::Create(Table());
  ASSERT_TRUE(router.ok());
  EXPECT_THAT(Departments(router->Route(
                  {"unpaid_compensation", "bereavement", "rural_poverty_risk", "disability"})),
              ElementsAre("legal_aid", "counselling", "law_popularization", "rural_revitalization",
                          "disabled_persons_federation", "village_committee"));
}

TEST(RouterTest, UnknownNeedsAreReported) {
  absl::StatusOr<Router> router = Router::Create(Table());
  ASSERT_TRUE(router.ok());
  EXPECT_THAT(router->UnknownNeeds({"disability", "flying", "flying", "veteran"}),
              ElementsAre("flying", "veteran"));
  EXPECT_THAT(Departments(router->Route({"flying"})),
              ElementsAre("law_popularization", "village_committee"));
}

TEST(RouterTest, RejectsBadRows) {
  EXPECT_EQ(Router::Create({{"", "legal_aid", "s", "r"}}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Router::Create({{"n", "Legal Aid", "s", "r"}}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Router::Create({{"n", "legal_aid", "", "r"}}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace lifeline::referral
