#include "referral-service/rpc/referral_metrics.h"

#include <gtest/gtest.h>
#include <prometheus/text_serializer.h>

#include "common/testing/process.h"
#include "referral-service/domain/delivery_request.h"
#include "referral-service/domain/id_generator.h"
#include "referral-service/domain/plan_builder.h"
#include "referral-service/rpc/escalation_scanner.h"
#include "referral-service/store/sqlite_referral_store.h"

namespace lifeline::referral {
namespace {

std::string Scrape(prometheus::Registry& registry) {
  return prometheus::TextSerializer().Serialize(registry.Collect());
}

TEST(ReferralMetricsTest, GaugesDeliveriesAndSlaBreaches) {
  common::testing::TempDir dir;
  common::FakeClock clock(
      absl::FromCivil(absl::CivilSecond(2026, 11, 26, 2, 0, 0), absl::UTCTimeZone()));
  auto store = SqliteReferralStore::Open(dir.path() + "/referral.db", &clock);
  ASSERT_TRUE(store.ok()) << store.status();
  auto router = Router::Create({{"every_plan", "village_committee", "visit", "every plan"},
                                {"disability", "disabled_persons_federation", "rehab", "d"}});
  ASSERT_TRUE(router.ok());
  SequentialIdGenerator ids;
  PlanBuilder builder(&*router, &clock, &ids);
  PlanRequest request;
  request.clue_id = "clue-1";
  request.person.person_id = "p";
  request.needs = {"disability"};
  auto plan = builder.Build(request, [](const std::string&) { return std::nullopt; });
  ASSERT_TRUE(plan.ok());
  ASSERT_TRUE((*store)->CreatePlan(*plan, BuildDeliveryRequests(*plan)).ok());
  ASSERT_TRUE(
      (*store)
          ->TransitionReferral(plan->referrals[1].referral_id, ReferralState::kAccepted, "", "x")
          .ok());

  prometheus::Registry registry;
  ReferralMetrics metrics(&registry, store->get(), &clock);
  const WorkingCalendar calendar;
  EscalationScanner escalator(
      store->get(), &clock, &calendar,
      [&metrics](const AppliedEscalation& escalation) { metrics.RecordEscalation(escalation); });
  metrics.RecordDelivery("village_committee", "grpc", "delivered");
  ASSERT_TRUE(escalator.ScanOnce().ok());
  ASSERT_TRUE(metrics.Refresh().ok());
  std::string text = Scrape(registry);
  EXPECT_NE(text.find("lifeline_referrals{department=\"village_committee\",state=\"REQUESTED\"} 1"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("lifeline_referrals{department=\"disabled_persons_federation\",state="
                      "\"ACCEPTED\"} 1"),
            std::string::npos);
  EXPECT_NE(text.find("lifeline_referral_deliveries_total{channel=\"grpc\",department="
                      "\"village_committee\",result=\"delivered\"} 1"),
            std::string::npos);
  EXPECT_NE(text.find("lifeline_referral_outbox_pending 2"), std::string::npos);
  // Both deliveries were queued at the clock's time.
  EXPECT_NE(text.find("lifeline_referral_outbox_oldest_age_seconds 0"), std::string::npos);
  EXPECT_NE(text.find("lifeline_referral_undeliverable 0"), std::string::npos);
  EXPECT_EQ(text.find("lifeline_referral_sla_breaches_total{"), std::string::npos);

  // A delivery parked after its attempts leaves the queue and counts as undeliverable.
  auto queued = (*store)->outbox()->DueByTime(kDeliveryTopic, 1, absl::ToUnixMillis(absl::Now()));
  ASSERT_TRUE(queued.ok() && queued->size() == 1u);
  ASSERT_TRUE((*store)
                  ->ParkDelivery(plan->referrals[1].referral_id, queued->front().id, "UNAVAILABLE")
                  .ok());
  ASSERT_TRUE(metrics.Refresh().ok());
  text = Scrape(registry);
  EXPECT_NE(text.find("lifeline_referral_undeliverable 1"), std::string::npos) << text;
  EXPECT_NE(text.find("lifeline_referral_outbox_pending 1"), std::string::npos) << text;

  // Respond-by is Thursday 2026-12-03; on Friday the REQUESTED one is overdue, counted once
  // however often the escalation runs; refreshing the gauges counts nothing.
  clock.Advance(absl::Hours(24 * 8));
  ASSERT_TRUE(metrics.Refresh().ok());
  text = Scrape(registry);
  EXPECT_EQ(text.find("lifeline_referral_sla_breaches_total{"), std::string::npos) << text;
  // The deliveries still wait: the oldest is eight days old.
  EXPECT_NE(text.find("lifeline_referral_outbox_oldest_age_seconds 691200"), std::string::npos)
      << text;
  ASSERT_TRUE(escalator.ScanOnce().ok());
  ASSERT_TRUE(escalator.ScanOnce().ok());
  ASSERT_TRUE(metrics.Refresh().ok());
  text = Scrape(registry);
  EXPECT_NE(text.find("lifeline_referral_sla_breaches_total{department=\"village_committee\","
                      "stage=\"accept\"} 1"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("lifeline_referral_escalations_total{department=\"village_committee\","
                      "kind=\"escalated\",stage=\"accept\"} 1"),
            std::string::npos)
      << text;
  // An overdue verification request counts under stage "verification" for its office.
  Verification overdue;
  overdue.department = "town_government";
  metrics.RecordVerificationEscalation(overdue);
  text = Scrape(registry);
  EXPECT_NE(text.find("lifeline_referral_sla_breaches_total{department=\"town_government\","
                      "stage=\"verification\"} 1"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("lifeline_referral_escalations_total{department=\"town_government\","
                      "kind=\"escalated\",stage=\"verification\"} 1"),
            std::string::npos)
      << text;
  metrics.RecordTransition("NONE", "REQUESTED");
  metrics.RecordTransition("REQUESTED", "ACCEPTED");
  metrics.RecordTransition("NONE", "REQUESTED");
  text = Scrape(registry);
  EXPECT_NE(text.find("lifeline_referral_transitions_total{from=\"NONE\",to=\"REQUESTED\"} 2"),
            std::string::npos)
      << text;

  ASSERT_TRUE((*store)
                  ->TransitionReferral(plan->referrals[0].referral_id, ReferralState::kCancelled,
                                       "duplicate", "x")
                  .ok());
  ASSERT_TRUE(metrics.Refresh().ok());
  text = Scrape(registry);
  EXPECT_NE(text.find("lifeline_referrals{department=\"village_committee\",state=\"REQUESTED\"} 0"),
            std::string::npos);
}

}  // namespace
}  // namespace lifeline::referral
