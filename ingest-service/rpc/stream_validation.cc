#include "ingest-service/rpc/stream_validation.h"

#include <utility>

#include "ingest-service/rpc/ingest_service_impl.h"

namespace lifeline::ingest {

StreamValidation::StreamValidation(const RecordValidator* validator, std::string agency,
                                   BatchSubmission* batch)
    : validator_(validator),
      agency_(std::move(agency)),
      batch_(batch),
      worker_([this] { Loop(); }) {}

StreamValidation::~StreamValidation() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  changed_.notify_all();
  worker_.join();
}

absl::Status StreamValidation::Add(v1::StreamRecordsRequest message) {
  std::unique_lock<std::mutex> lock(mu_);
  changed_.wait(lock, [this] { return queue_.size() < kMaxQueuedMessages || !status_.ok(); });
  if (!status_.ok()) return status_;
  queue_.push_back(std::move(message));
  lock.unlock();
  changed_.notify_all();
  return absl::OkStatus();
}

absl::Status StreamValidation::Finish() {
  std::unique_lock<std::mutex> lock(mu_);
  changed_.wait(lock, [this] { return (queue_.empty() && !busy_) || !status_.ok(); });
  return status_;
}

void StreamValidation::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    changed_.wait(lock, [this] { return stop_ || !queue_.empty(); });
    if (stop_) return;
    v1::StreamRecordsRequest message = std::move(queue_.front());
    queue_.pop_front();
    busy_ = true;
    lock.unlock();
    changed_.notify_all();  // room in the queue
    absl::Status status;
    for (records::v1::Record& record : *message.mutable_records()) {
      status = AddValidatedRecord(*validator_, agency_, &record, batch_);
      if (!status.ok()) break;
    }
    lock.lock();
    busy_ = false;
    if (!status.ok() && status_.ok()) status_ = status;
    if (!status_.ok()) queue_.clear();
    changed_.notify_all();
  }
}

}  // namespace lifeline::ingest
