#include "referral-service/rpc/overdue_escalator.h"

#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "common/testing/process.h"
#include "referral-service/domain/delivery_request.h"
#include "referral-service/domain/id_generator.h"
#include "referral-service/domain/plan_builder.h"
#include "referral-service/store/sqlite_referral_store.h"

namespace lifeline::referral {
namespace {

class OverdueEscalatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = SqliteReferralStore::Open(dir_.path() + "/referral.db", &clock_);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
    auto router = Router::Create({
        {"disability", "disabled_persons_federation", "rehabilitation", "disability"},
        {"every_plan", "village_committee", "home visit", "every plan"},
    });
    ASSERT_TRUE(router.ok());
    router_ = std::make_unique<Router>(std::move(*router));
  }

  // A plan made now with a disability and a village committee referral.
  Plan MakePlan(const std::string& clue_id) {
    PlanBuilder builder(router_.get(), &clock_, &ids_);
    PlanRequest request;
    request.clue_id = clue_id;
    request.person.person_id = "person-1";
    request.needs = {"disability"};
    auto plan = builder.Build(request, [](const std::string&) { return std::nullopt; });
    EXPECT_TRUE(plan.ok());
    EXPECT_TRUE(store_->CreatePlan(*plan, BuildDeliveryRequests(*plan)).ok());
    return *plan;
  }

  OverdueEscalator Escalator() {
    return OverdueEscalator(store_.get(), &clock_,
                            [this](const std::string& department) { ++breaches_[department]; });
  }

  common::testing::TempDir dir_;
  // Thursday 2026-11-26, 10:00 in Beijing: referrals are due Thursday 2026-12-03.
  common::FakeClock clock_{
      absl::FromCivil(absl::CivilSecond(2026, 11, 26, 2, 0, 0), absl::UTCTimeZone())};
  SequentialIdGenerator ids_;
  std::unique_ptr<Router> router_;
  std::unique_ptr<SqliteReferralStore> store_;
  std::map<std::string, int> breaches_;
};

TEST_F(OverdueEscalatorTest, EscalatesOnlyAfterTheDeadlineDayAndOnce) {
  Plan plan = MakePlan("clue-1");
  OverdueEscalator escalator = Escalator();
  ASSERT_TRUE(
      store_->TransitionReferral(plan.referrals[0].referral_id, ReferralState::kAccepted, "", "x")
          .ok());

  // On the deadline day (Beijing) nothing is overdue, even late in the evening.
  clock_.Advance(absl::Hours(24 * 7 + 13));  // 2026-12-03 23:00 +08
  auto none = escalator.ScanOnce();
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_EQ(*none, 0);
  EXPECT_TRUE(breaches_.empty());

  clock_.Advance(absl::Hours(1));  // 2026-12-04 00:00 +08
  auto first = escalator.ScanOnce();
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(*first, 1);  // the accepted one is not overdue
  EXPECT_EQ(breaches_, (std::map<std::string, int>{{"village_committee", 1}}));

  clock_.Advance(absl::Hours(24));
  auto again = escalator.ScanOnce();
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, 0);
  EXPECT_EQ(breaches_["village_committee"], 1);
}

TEST_F(OverdueEscalatorTest, ScansEveryBatch) {
  const int plans = OverdueEscalator::kBatchSize / 2 + 10;  // more referrals than one batch
  for (int i = 0; i < plans; ++i) MakePlan("clue-" + std::to_string(i));
  clock_.Advance(absl::Hours(24 * 8));
  OverdueEscalator escalator = Escalator();
  auto escalated = escalator.ScanOnce();
  ASSERT_TRUE(escalated.ok()) << escalated.status();
  EXPECT_EQ(*escalated, 2 * plans);
  EXPECT_EQ(breaches_["village_committee"], plans);
  EXPECT_EQ(breaches_["disabled_persons_federation"], plans);
  EXPECT_EQ(*escalator.ScanOnce(), 0);
}

}  // namespace
}  // namespace lifeline::referral
