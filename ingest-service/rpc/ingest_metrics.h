// Domain metrics of ingest-service, on the registry its /metrics endpoint serves.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include "absl/status/status.h"
#include "absl/time/time.h"

#include "ingest-service/store/ingest_store.h"
#include "lifeline/ingest/v1/ingest_service.pb.h"

namespace lifeline::ingest {

// lifeline_ingest_records_total{agency,result}, lifeline_ingest_batches_total{agency},
// lifeline_ingest_stream_records_received_total{agency}, and the ingest → match lag:
// lifeline_ingest_outbox_pending and lifeline_ingest_outbox_oldest_age_seconds. Labels are agency
// codes and result names only. Thread-safe.
class IngestMetrics {
 public:
  explicit IngestMetrics(prometheus::Registry* registry);

  // Counts one stored record of `agency` with `result`.
  void CountRecord(const std::string& agency, v1::RecordResult result);
  // Counts `records` received on a stream of `agency` (before the batch commits).
  void CountStreamed(const std::string& agency, int64_t records);
  // Counts one newly stored batch of `agency`.
  void CountBatch(const std::string& agency);
  // Sets the number of records waiting in the outbox for match-service.
  void SetOutboxPending(int64_t pending);
  // Reloads both outbox gauges from `store`: the records waiting for match-service, and how long
  // the first-queued of them has waited at `now` (0 when none waits). Errors: the store's.
  absl::Status RefreshOutbox(IngestStore& store, absl::Time now);

  // Result label for a record result ("accepted", "rejected", ...).
  static std::string ResultLabel(v1::RecordResult result);

 private:
  prometheus::Family<prometheus::Counter>* records_;
  prometheus::Family<prometheus::Counter>* batches_;
  prometheus::Family<prometheus::Counter>* streamed_;
  prometheus::Gauge* outbox_pending_;
  prometheus::Gauge* outbox_oldest_age_;
};

}  // namespace lifeline::ingest
