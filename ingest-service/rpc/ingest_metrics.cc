#include "ingest-service/rpc/ingest_metrics.h"

#include <algorithm>

#include "common/status/status_macros.h"

namespace lifeline::ingest {

IngestMetrics::IngestMetrics(prometheus::Registry* registry)
    : records_(&prometheus::BuildCounter()
                    .Name("lifeline_ingest_records_total")
                    .Help("Records submitted to ingest, by agency and result.")
                    .Register(*registry)),
      batches_(&prometheus::BuildCounter()
                    .Name("lifeline_ingest_batches_total")
                    .Help("Batches stored by ingest, by agency (retries of a stored batch are "
                          "not counted).")
                    .Register(*registry)),
      streamed_(&prometheus::BuildCounter()
                     .Name("lifeline_ingest_stream_records_received_total")
                     .Help("Records received on StreamRecords streams as they arrive, before "
                           "their batch commits: the progress of long streams.")
                     .Register(*registry)),
      outbox_pending_(&prometheus::BuildGauge()
                           .Name("lifeline_ingest_outbox_pending")
                           .Help("Records waiting in ingest's outbox for match-service.")
                           .Register(*registry)
                           .Add({})),
      outbox_oldest_age_(&prometheus::BuildGauge()
                              .Name("lifeline_ingest_outbox_oldest_age_seconds")
                              .Help("How long the record first queued for match-service and not "
                                    "yet delivered has waited since ingest stored it; 0 when "
                                    "none waits.")
                              .Register(*registry)
                              .Add({})) {}

void IngestMetrics::CountRecord(const std::string& agency, v1::RecordResult result) {
  records_->Add({{"agency", agency}, {"result", ResultLabel(result)}}).Increment();
}

void IngestMetrics::CountStreamed(const std::string& agency, int64_t records) {
  if (records > 0) streamed_->Add({{"agency", agency}}).Increment(static_cast<double>(records));
}

void IngestMetrics::CountBatch(const std::string& agency) {
  batches_->Add({{"agency", agency}}).Increment();
}

void IngestMetrics::SetOutboxPending(int64_t pending) {
  outbox_pending_->Set(static_cast<double>(pending));
}

absl::Status IngestMetrics::RefreshOutbox(IngestStore& store, absl::Time now) {
  ASSIGN_OR_RETURN(MatchQueue queue, store.MatchQueueState());
  SetOutboxPending(queue.records);
  // A clock that stepped back does not make a negative age.
  const absl::Duration waited = queue.oldest_stored.has_value()
                                    ? std::max(now - *queue.oldest_stored, absl::ZeroDuration())
                                    : absl::ZeroDuration();
  outbox_oldest_age_->Set(absl::ToDoubleSeconds(waited));
  return absl::OkStatus();
}

std::string IngestMetrics::ResultLabel(v1::RecordResult result) {
  switch (result) {
    case v1::RECORD_RESULT_ACCEPTED:
      return "accepted";
    case v1::RECORD_RESULT_ACCEPTED_WITH_WARNINGS:
      return "accepted_with_warnings";
    case v1::RECORD_RESULT_REJECTED:
      return "rejected";
    case v1::RECORD_RESULT_UNCHANGED:
      return "unchanged";
    case v1::RECORD_RESULT_STALE:
      return "stale";
    case v1::RECORD_RESULT_RETRACTED:
      return "retracted";
    default:
      return "unspecified";
  }
}

}  // namespace lifeline::ingest
