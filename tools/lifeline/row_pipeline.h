// The parallel part of reading record files offline: rows read from a file become Records,
// are validated and normalized by ingest's rules on worker threads, and come back in the order
// they were read, so that the version rule sees them as ingest would.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "ingest-service/domain/record_validator.h"
#include "lifeline/records/v1/records.pb.h"
#include "tools/lifeline/record_file_reader.h"

namespace lifeline::tools {

// What became of one row, version rule aside.
struct RowOutcome {
  // Not readable as a Record, or validation found an error.
  bool rejected = false;
  // Validation found a warning.
  bool has_warnings = false;
  // The record as ingest would forward it, when not rejected.
  records::v1::NormalizedRecord normalized;
  // "<agency> <ERROR|WARNING> <where> <reason>" of each problem found.
  std::vector<std::string> reasons;
};

// Consecutive rows of one file, and then their outcomes (the rows are dropped once processed).
struct RowChunk {
  // The reader that read the rows: it parses them.
  const RecordFileReader* reader = nullptr;
  std::string agency;
  std::vector<RecordFileRow> rows;
  std::vector<RowOutcome> outcomes;
};

// Turns each row of `chunk` into an outcome: parsed through its reader, validated with
// `validator` and built with ingest's BuildNormalizedRecord.
void ProcessRows(const ingest::RecordValidator& validator, RowChunk* chunk);

// Runs ProcessRows on chunks on worker threads (or, with no threads, on the caller's thread in
// Add) and hands them back in the order they were added. Add, in_flight and TakeOldest are for
// one caller thread.
class RowPipeline {
 public:
  // `validator` is not owned and must outlive the pipeline. Starts `threads` workers.
  RowPipeline(int threads, const ingest::RecordValidator* validator);
  // Stops the workers; chunks not yet taken are dropped.
  ~RowPipeline();
  RowPipeline(const RowPipeline&) = delete;
  RowPipeline& operator=(const RowPipeline&) = delete;

  // Queues a chunk (its reader must outlive the pipeline).
  void Add(std::unique_ptr<RowChunk> chunk);
  // Chunks added and not yet taken.
  size_t in_flight() const { return slots_.size(); }
  // Waits until the oldest chunk not yet taken is processed and returns it. Must not be called
  // with nothing in flight.
  std::unique_ptr<RowChunk> TakeOldest();

 private:
  struct Slot {
    std::unique_ptr<RowChunk> chunk;
    bool done = false;  // guarded by mu_
  };
  void Work();

  const ingest::RecordValidator* const validator_;
  std::deque<std::unique_ptr<Slot>> slots_;  // the caller's: in flight, oldest first
  std::mutex mu_;
  std::condition_variable queued_;
  std::condition_variable finished_;
  std::deque<Slot*> queue_;  // guarded by mu_: waiting for a worker
  bool stop_ = false;        // guarded by mu_
  std::vector<std::thread> workers_;
};

}  // namespace lifeline::tools
