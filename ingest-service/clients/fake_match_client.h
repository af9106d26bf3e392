// A MatchClient for tests: remembers what it was sent and fails when told to.
#pragma once

#include <mutex>
#include <string>
#include <vector>

#include "absl/status/status.h"

#include "ingest-service/clients/match_client.h"

namespace lifeline::ingest {

// In-memory MatchClient. Thread-safe.
class FakeMatchClient : public MatchClient {
 public:
  // Records the payloads and returns OK, or returns the status set by FailWith without
  // recording anything.
  absl::Status SendRecords(const std::vector<std::string>& serialized_records) override {
    std::lock_guard<std::mutex> lock(mu_);
    ++calls_;
    if (!failure_.ok()) return failure_;
    received_.insert(received_.end(), serialized_records.begin(), serialized_records.end());
    return absl::OkStatus();
  }

  // Makes every following call fail with `status` (OkStatus() to succeed again).
  void FailWith(absl::Status status) {
    std::lock_guard<std::mutex> lock(mu_);
    failure_ = std::move(status);
  }

  // Every payload received by successful calls, in order.
  std::vector<std::string> received() const {
    std::lock_guard<std::mutex> lock(mu_);
    return received_;
  }

  // Number of calls, failed ones included.
  int calls() const {
    std::lock_guard<std::mutex> lock(mu_);
    return calls_;
  }

 private:
  mutable std::mutex mu_;
  absl::Status failure_;
  std::vector<std::string> received_;
  int calls_ = 0;
};

}  // namespace lifeline::ingest
