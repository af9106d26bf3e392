// referral-service's domain metrics on the server's Prometheus registry.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include "absl/status/status.h"

#include "referral-service/store/referral_store.h"

namespace lifeline::referral {

// lifeline_referrals{state,department} (gauge), lifeline_referral_deliveries_total{department,
// result}, lifeline_referral_sla_breaches_total and lifeline_referral_outbox_pending (gauge).
// The gauges are reloaded from the store by Refresh, which only reads; the counters count what
// the delivery sender and the overdue escalation report. Thread-safe.
class ReferralMetrics {
 public:
  ReferralMetrics(prometheus::Registry* registry, ReferralStore* store);

  // Counts one handled delivery (MakeDeliverySender's observer).
  void RecordDelivery(const std::string& department, std::string_view result);

  // Counts one referral found overdue (OverdueEscalator's observer).
  void RecordSlaBreach();

  // Reloads the gauges from the store.
  absl::Status Refresh();

 private:
  ReferralStore* store_;
  prometheus::Family<prometheus::Gauge>& referrals_;
  prometheus::Family<prometheus::Counter>& deliveries_;
  prometheus::Counter& sla_breaches_;
  prometheus::Gauge& outbox_pending_;

  std::mutex refresh_mu_;
  std::map<std::pair<std::string, std::string>, prometheus::Gauge*> referral_gauges_;
};

}  // namespace lifeline::referral
