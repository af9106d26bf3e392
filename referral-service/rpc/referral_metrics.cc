#include "referral-service/rpc/referral_metrics.h"

#include "common/status/status_macros.h"
#include "referral-service/domain/referral_state.h"

namespace lifeline::referral {

ReferralMetrics::ReferralMetrics(prometheus::Registry* registry, ReferralStore* store)
    : store_(store),
      referrals_(prometheus::BuildGauge()
                     .Name("lifeline_referrals")
                     .Help("Referrals by state and department")
                     .Register(*registry)),
      deliveries_(prometheus::BuildCounter()
                      .Name("lifeline_referral_deliveries_total")
                      .Help("Referral deliveries to partner inboxes by department and result")
                      .Register(*registry)),
      sla_breaches_(prometheus::BuildCounter()
                        .Name("lifeline_referral_sla_breaches_total")
                        .Help("Referrals still REQUESTED after their respond_by date")
                        .Register(*registry)
                        .Add({})),
      outbox_pending_(prometheus::BuildGauge()
                          .Name("lifeline_referral_outbox_pending")
                          .Help("Referral deliveries waiting in the outbox")
                          .Register(*registry)
                          .Add({})) {}

void ReferralMetrics::RecordDelivery(const std::string& department, std::string_view result) {
  deliveries_.Add({{"department", department}, {"result", std::string(result)}}).Increment();
}

void ReferralMetrics::RecordSlaBreach() { sla_breaches_.Increment(); }

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
  return absl::OkStatus();
}

}  // namespace lifeline::referral
