// Domain metrics of ingest-service, on the registry its /metrics endpoint serves.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include "lifeline/ingest/v1/ingest_service.pb.h"

namespace lifeline::ingest {

// lifeline_ingest_records_total{agency,result}, lifeline_ingest_batches_total{agency},
// lifeline_ingest_stream_records_received_total{agency} and lifeline_ingest_outbox_pending. Labels
// are agency codes and result names only. Thread-safe.
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

  // Result label for a record result ("accepted", "rejected", ...).
  static std::string ResultLabel(v1::RecordResult result);

 private:
  prometheus::Family<prometheus::Counter>* records_;
  prometheus::Family<prometheus::Counter>* batches_;
  prometheus::Family<prometheus::Counter>* streamed_;
  prometheus::Gauge* outbox_pending_;
};

}  // namespace lifeline::ingest
