#include "referral-service/rpc/referral_metrics.h"

#include <algorithm>
#include <optional>

#include "common/status/status_macros.h"
#include "referral-service/domain/deadlines.h"
#include "referral-service/domain/referral_state.h"

namespace lifeline::referral {

ReferralMetrics::ReferralMetrics(prometheus::Registry* registry, ReferralStore* store,
                                 const common::Clock* clock)
    : store_(store),
      referrals_(prometheus::BuildGauge()
                     .Name("lifeline_referrals")
                     .Help("Referrals by state and department")
                     .Register(*registry)),
      clock_(clock),
      transitions_(prometheus::BuildCounter()
                       .Name("lifeline_referral_transitions_total")
                       .Help("Stored changes of referral state, by state before (NONE: created) "
                             "and after")
                       .Register(*registry)),
      deliveries_(
          prometheus::BuildCounter()
              .Name("lifeline_referral_deliveries_total")
              .Help("Referral deliveries by department, channel (grpc, webhook, polling; none when "
                    "the department is unknown) and result")
              .Register(*registry)),
      sla_breaches_(prometheus::BuildCounter()
                        .Name("lifeline_referral_sla_breaches_total")
                        .Help("Referrals found past a stage's deadline (accept, progress, "
                              "complete) and verification requests past their respond-by day "
                              "(verification), by stage and department")
                        .Register(*registry)),
      escalations_(prometheus::BuildCounter()
                       .Name("lifeline_referral_escalations_total")
                       .Help("Escalation events by stage, department and kind (escalated: to "
                             "the reviewing procurator; reroute_proposed: after the grace)")
                       .Register(*registry)),
      outbox_pending_(prometheus::BuildGauge()
                          .Name("lifeline_referral_outbox_pending")
                          .Help("Referral deliveries waiting in the outbox")
                          .Register(*registry)
                          .Add({})),
      outbox_oldest_age_(prometheus::BuildGauge()
                             .Name("lifeline_referral_outbox_oldest_age_seconds")
                             .Help("Age of the oldest delivery waiting in the outbox (0: none)")
                             .Register(*registry)
                             .Add({})),
      undeliverable_(prometheus::BuildGauge()
                         .Name("lifeline_referral_undeliverable")
                         .Help("Deliveries parked after their configured attempts, waiting for "
                               "an admin's retry")
                         .Register(*registry)
                         .Add({})) {}

void ReferralMetrics::RecordTransition(std::string_view from, std::string_view to) {
  transitions_.Add({{"from", std::string(from)}, {"to", std::string(to)}}).Increment();
}

void ReferralMetrics::RecordDelivery(const std::string& department, std::string_view channel,
                                     std::string_view result) {
  deliveries_
      .Add({{"department", department},
            {"channel", channel.empty() ? std::string("none") : std::string(channel)},
            {"result", std::string(result)}})
      .Increment();
}

void ReferralMetrics::RecordEscalation(const AppliedEscalation& escalation) {
  const std::string stage(StageName(escalation.stage));
  const bool breach = escalation.kind == ReferralEventKind::kEscalated;
  if (breach) {
    sla_breaches_.Add({{"stage", stage}, {"department", escalation.department}}).Increment();
  }
  escalations_
      .Add({{"stage", stage},
            {"department", escalation.department},
            {"kind", breach ? "escalated" : "reroute_proposed"}})
      .Increment();
}

void ReferralMetrics::RecordVerificationEscalation(const Verification& escalated) {
  sla_breaches_.Add({{"stage", "verification"}, {"department", escalated.department}}).Increment();
  escalations_
      .Add({{"stage", "verification"}, {"department", escalated.department}, {"kind", "escalated"}})
      .Increment();
}

absl::Status ReferralMetrics::Refresh() {
  std::lock_guard<std::mutex> lock(refresh_mu_);
  ASSIGN_OR_RETURN(std::vector<ReferralCount> counts, store_->CountReferrals());
  for (auto& [key, gauge] : referral_gauges_) gauge->Set(0);
  for (const ReferralCount& count : counts) {
    std::pair<std::string, std::string> key{std::string(StateName(count.state)), count.department};
    auto it = referral_gauges_.find(key);
    if (it == referral_gauges_.end()) {
      prometheus::Gauge* gauge =
          &referrals_.Add({{"state", key.first}, {"department", key.second}});
      it = referral_gauges_.emplace(key, gauge).first;
    }
    it->second->Set(static_cast<double>(count.count));
  }
  ASSIGN_OR_RETURN(int64_t pending, store_->PendingDeliveries());
  outbox_pending_.Set(static_cast<double>(pending));
  ASSIGN_OR_RETURN(int64_t undeliverable, store_->UndeliverableCount());
  undeliverable_.Set(static_cast<double>(undeliverable));
  ASSIGN_OR_RETURN(std::optional<int64_t> oldest_ms, store_->OldestPendingDeliveryMs());
  const int64_t now_ms = absl::ToUnixMillis(clock_->Now());
  outbox_oldest_age_.Set(oldest_ms.has_value()
                             ? static_cast<double>(std::max<int64_t>(0, now_ms - *oldest_ms)) / 1000
                             : 0.0);
  return absl::OkStatus();
}

}  // namespace lifeline::referral
