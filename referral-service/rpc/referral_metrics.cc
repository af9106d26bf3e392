#include "referral-service/rpc/referral_metrics.h"

#include <chrono>

#include <spdlog/spdlog.h>

#include "common/status/status_macros.h"
#include "referral-service/domain/referral_state.h"
#include "referral-service/domain/working_days.h"

namespace lifeline::referral {

ReferralMetrics::ReferralMetrics(prometheus::Registry* registry, ReferralStore* store,
                                 const common::Clock* clock)
    : store_(store),
      clock_(clock),
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

ReferralMetrics::~ReferralMetrics() { Stop(); }

void ReferralMetrics::RecordDelivery(const std::string& department, std::string_view result) {
  deliveries_.Add({{"department", department}, {"result", std::string(result)}}).Increment();
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
  ASSIGN_OR_RETURN(std::vector<std::string> overdue, store_->MarkOverdue(LocalDay(clock_->Now())));
  for (const std::string& department : overdue) {
    spdlog::warn("event=sla_breach department={}", department);
  }
  sla_breaches_.Increment(static_cast<double>(overdue.size()));
  return absl::OkStatus();
}

void ReferralMetrics::Start(absl::Duration interval) {
  {
    std::lock_guard<std::mutex> lock(loop_mu_);
    if (thread_.joinable()) return;
    stop_ = false;
  }
  thread_ = std::thread([this, interval] {
    std::unique_lock<std::mutex> lock(loop_mu_);
    while (!stop_) {
      lock.unlock();
      if (absl::Status status = Refresh(); !status.ok()) {
        spdlog::warn("event=metrics_refresh_failed code={}",
                     absl::StatusCodeToString(status.code()));
      }
      lock.lock();
      loop_cv_.wait_for(lock, absl::ToChronoMilliseconds(interval), [this] { return stop_; });
    }
  });
}

void ReferralMetrics::Stop() {
  {
    std::lock_guard<std::mutex> lock(loop_mu_);
    stop_ = true;
  }
  loop_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace lifeline::referral
