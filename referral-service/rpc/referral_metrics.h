// referral-service's domain metrics on the server's Prometheus registry.
#pragma once

#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <utility>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include "absl/status/status.h"
#include "absl/time/time.h"

#include "common/time/dates.h"
#include "referral-service/store/referral_store.h"

namespace lifeline::referral {

// lifeline_referrals{state,department} (gauge), lifeline_referral_deliveries_total{department,
// result}, lifeline_referral_sla_breaches_total and lifeline_referral_outbox_pending (gauge).
// Gauges and SLA breaches are refreshed from the store periodically. Thread-safe.
class ReferralMetrics {
 public:
  ReferralMetrics(prometheus::Registry* registry, ReferralStore* store, const common::Clock* clock);
  ~ReferralMetrics();

  // Counts one handled delivery (DeliveryDispatcher's observer).
  void RecordDelivery(const std::string& department, std::string_view result);

  // Reloads the gauges and counts referrals that became overdue since the last call.
  absl::Status Refresh();

  // Calls Refresh every `interval` on a background thread until Stop.
  void Start(absl::Duration interval);
  void Stop();

 private:
  ReferralStore* store_;
  const common::Clock* clock_;
  prometheus::Family<prometheus::Gauge>& referrals_;
  prometheus::Family<prometheus::Counter>& deliveries_;
  prometheus::Counter& sla_breaches_;
  prometheus::Gauge& outbox_pending_;

  std::mutex refresh_mu_;
  std::map<std::pair<std::string, std::string>, prometheus::Gauge*> referral_gauges_;

  std::mutex loop_mu_;
  std::condition_variable loop_cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace lifeline::referral
