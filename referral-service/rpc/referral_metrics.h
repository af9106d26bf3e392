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

#include "common/time/dates.h"
#include "referral-service/store/referral_store.h"

namespace lifeline::referral {

// lifeline_referrals{state,department} (gauge), lifeline_referral_transitions_total{from,to},
// lifeline_referral_deliveries_total{department,channel,result},
// lifeline_referral_sla_breaches_total{stage,department},
// lifeline_referral_escalations_total{stage,department,kind}, lifeline_referral_outbox_pending,
// lifeline_referral_outbox_oldest_age_seconds and lifeline_referral_undeliverable (gauges). The
// gauges are reloaded from the store by Refresh, which only reads; the counters count what the
// service, the delivery sender and the overdue escalation report. Thread-safe.
class ReferralMetrics {
 public:
  // `clock` dates the outbox's oldest message.
  ReferralMetrics(prometheus::Registry* registry, ReferralStore* store, const common::Clock* clock);

  // Counts one stored change of a referral's state (from "NONE" when it was created).
  void RecordTransition(std::string_view from, std::string_view to);

  // Counts one handled delivery (MakeDeliverySender's observer).
  void RecordDelivery(const std::string& department, std::string_view channel,
                      std::string_view result);

  // Counts one stored escalation (EscalationScanner's observer): a kEscalated event is a
  // deadline breach of its stage, and both kinds count as escalations.
  void RecordEscalation(const AppliedEscalation& escalation);
  // Counts one stored verification escalation: a breach and an escalation of stage
  // "verification" for its office.
  void RecordVerificationEscalation(const Verification& escalated);

  // Reloads the gauges from the store.
  absl::Status Refresh();

 private:
  ReferralStore* store_;
  prometheus::Family<prometheus::Gauge>& referrals_;
  const common::Clock* clock_;
  prometheus::Family<prometheus::Counter>& transitions_;
  prometheus::Family<prometheus::Counter>& deliveries_;
  prometheus::Family<prometheus::Counter>& sla_breaches_;
  prometheus::Family<prometheus::Counter>& escalations_;
  prometheus::Gauge& outbox_pending_;
  prometheus::Gauge& outbox_oldest_age_;
  prometheus::Gauge& undeliverable_;

  std::mutex refresh_mu_;
  std::map<std::pair<std::string, std::string>, prometheus::Gauge*> referral_gauges_;
};

}  // namespace lifeline::referral
