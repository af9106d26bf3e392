// match-service's domain metrics on a Prometheus registry: records applied, clues per status and
// plan requests waiting in the outbox. Thread-safe.
#pragma once

#include <memory>

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include "common/outbox/outbox.h"
#include "match-service/store/match_store.h"

namespace lifeline::match {

class MatchMetrics {
 public:
  MatchMetrics(prometheus::Registry& registry, MatchStore* store, common::Outbox* outbox);

  // Counts records that changed what match knows.
  void AddRecordsApplied(int count);
  // Re-reads the clue counts and the outbox backlog into the gauges. Failures leave the previous
  // values (metrics never fail a request).
  void Refresh();

 private:
  MatchStore* store_;
  common::Outbox* outbox_;
  prometheus::Counter& records_applied_;
  prometheus::Family<prometheus::Gauge>& clues_;
  prometheus::Gauge& outbox_pending_;
};

}  // namespace lifeline::match
