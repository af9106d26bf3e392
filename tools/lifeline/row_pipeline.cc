#include "tools/lifeline/row_pipeline.h"

#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"

#include "ingest-service/rpc/record_mapping.h"

namespace lifeline::tools {

void ProcessRows(const ingest::RecordValidator& validator, RowChunk* chunk) {
  chunk->outcomes.resize(chunk->rows.size());
  records::v1::Record record;
  for (size_t i = 0; i < chunk->rows.size(); ++i) {
    const RecordFileRow& row = chunk->rows[i];
    RowOutcome& outcome = chunk->outcomes[i];
    std::optional<RowProblem> problem = row.problem;
    if (!problem.has_value()) problem = chunk->reader->Parse(row, &record);
    if (problem.has_value()) {
      outcome.rejected = true;
      outcome.reasons.push_back(
          absl::StrCat(chunk->agency, " ERROR ", problem->Where(), " ", problem->reason));
      continue;
    }
    ingest::ValidationResult result = validator.Validate(chunk->agency, record);
    for (const ingest::Issue& issue : result.issues) {
      outcome.reasons.push_back(absl::StrCat(
          chunk->agency, issue.severity == ingest::Severity::kError ? " ERROR " : " WARNING ",
          issue.field, " ", issue.reason));
    }
    if (result.rejected()) {
      outcome.rejected = true;
      continue;
    }
    outcome.has_warnings = result.has_warnings();
    outcome.normalized =
        ingest::BuildNormalizedRecord(chunk->agency, std::move(record), std::move(result));
  }
  // The raw rows, with raw ID numbers, go as soon as they are done with.
  chunk->rows.clear();
  chunk->rows.shrink_to_fit();
}

RowPipeline::RowPipeline(int threads, const ingest::RecordValidator* validator)
    : validator_(validator) {
  for (int i = 0; i < threads; ++i) workers_.emplace_back([this] { Work(); });
}

RowPipeline::~RowPipeline() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  queued_.notify_all();
  for (std::thread& worker : workers_) worker.join();
}

void RowPipeline::Add(std::unique_ptr<RowChunk> chunk) {
  Slot* slot = slots_.emplace_back(std::make_unique<Slot>()).get();
  slot->chunk = std::move(chunk);
  if (workers_.empty()) {
    ProcessRows(*validator_, slot->chunk.get());
    slot->done = true;
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    queue_.push_back(slot);
  }
  queued_.notify_one();
}

std::unique_ptr<RowChunk> RowPipeline::TakeOldest() {
  std::unique_ptr<Slot> slot = std::move(slots_.front());
  slots_.pop_front();
  {
    std::unique_lock<std::mutex> lock(mu_);
    finished_.wait(lock, [&] { return slot->done; });
  }
  return std::move(slot->chunk);
}

void RowPipeline::Work() {
  while (true) {
    Slot* slot = nullptr;
    {
      std::unique_lock<std::mutex> lock(mu_);
      queued_.wait(lock, [this] { return stop_ || !queue_.empty(); });
      if (stop_) return;
      slot = queue_.front();
      queue_.pop_front();
    }
    ProcessRows(*validator_, slot->chunk.get());
    {
      std::lock_guard<std::mutex> lock(mu_);
      slot->done = true;
    }
    finished_.notify_all();
  }
}

}  // namespace lifeline::tools
