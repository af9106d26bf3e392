// Validation of a StreamRecords call on a second thread: the stream's own thread reads and parses
// the next message while the messages already read are validated, normalized and sealed, so one
// stream keeps two cores busy instead of one.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <string>
#include <thread>

#include "absl/status/status.h"

#include "ingest-service/domain/record_validator.h"
#include "ingest-service/store/ingest_store.h"
#include "lifeline/ingest/v1/ingest_service.pb.h"

namespace lifeline::ingest {

// Validates the records of queued messages, in order, into one batch. The caller's thread calls
// Add for each message and then Finish; `batch` belongs to the worker thread until Finish
// returns. Not thread-safe itself (one caller thread).
class StreamValidation {
 public:
  // Messages read but not yet validated, at most; Add waits beyond this (bounds the raw records,
  // with their raw ID numbers, held in memory).
  static constexpr size_t kMaxQueuedMessages = 4;

  // Neither pointer is owned; both must outlive this. Starts the worker thread.
  StreamValidation(const RecordValidator* validator, std::string agency, BatchSubmission* batch);
  // Stops the worker; messages not yet validated are dropped (the call is failing).
  ~StreamValidation();
  StreamValidation(const StreamValidation&) = delete;
  StreamValidation& operator=(const StreamValidation&) = delete;

  // Queues a message for validation, waiting while kMaxQueuedMessages wait already. Errors: the
  // first validation error so far (nothing more is validated after one).
  absl::Status Add(v1::StreamRecordsRequest message);

  // Waits until every queued message is validated. Errors: the first validation error (Internal:
  // a bug in the rule tables).
  absl::Status Finish();

 private:
  void Loop();

  const RecordValidator* const validator_;
  const std::string agency_;
  BatchSubmission* const batch_;  // written by the worker only, until Finish returns

  std::mutex mu_;
  std::condition_variable changed_;
  std::deque<v1::StreamRecordsRequest> queue_;  // guarded by mu_
  bool busy_ = false;                           // guarded by mu_: the worker holds a message
  bool stop_ = false;                           // guarded by mu_
  absl::Status status_;                         // guarded by mu_
  std::thread worker_;
};

}  // namespace lifeline::ingest
