// The partner simulator's durable record of received referrals: one JSON line per new delivery.
#pragma once

#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "absl/status/statusor.h"

#include "lifeline/partner/v1/partner_inbox.pb.h"

namespace lifeline::partner_sim {

// Appends each delivery once per idempotency key to a JSON-lines file and flushes it to disk
// before returning. Keys already in the file (from an earlier run) count as received.
// Thread-safe.
class ReceivedLog {
 public:
  // Opens (creating) `path` and reads the keys already there. Errors: Unavailable when the file
  // cannot be opened, DataLoss when a line cannot be parsed.
  static absl::StatusOr<std::unique_ptr<ReceivedLog>> Open(const std::string& path);
  ~ReceivedLog();

  // Records `request`. Returns true when it was new and has been written, false for a
  // duplicate (nothing written). Errors: InvalidArgument without an idempotency key;
  // Unavailable when writing or syncing fails.
  absl::StatusOr<bool> Append(const lifeline::partner::v1::DeliverReferralRequest& request);

  size_t size() const;

 private:
  ReceivedLog(std::string path, int fd, std::set<std::string> keys)
      : path_(std::move(path)), fd_(fd), keys_(std::move(keys)) {}

  std::string path_;
  mutable std::mutex mu_;
  int fd_;
  std::set<std::string> keys_;
};

}  // namespace lifeline::partner_sim
