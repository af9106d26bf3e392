// The partner simulator's durable record of received referrals and verification requests: one
// JSON line per new delivery.
#pragma once

#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "absl/status/statusor.h"

#include "lifeline/partner/v1/partner_inbox.pb.h"

namespace lifeline::partner_sim {

// Appends each delivery once per idempotency key to a JSON-lines file and flushes it to disk
// before returning. Keys already in the file (from an earlier run) count as received. Referral
// and verification deliveries share the file and the set of keys: a line is the JSON of a
// DeliverReferralRequest (top-level "referral") or of a DeliverVerificationRequest (top-level
// "verification"). Thread-safe.
class ReceivedLog {
 public:
  // Opens (creating) `path` and reads the keys already there, of both kinds of line. Errors:
  // Unavailable when the file cannot be opened, DataLoss when a line cannot be parsed or is both
  // a referral and a verification.
  static absl::StatusOr<std::unique_ptr<ReceivedLog>> Open(const std::string& path);
  ~ReceivedLog();

  // Records `request`. Returns true when it was new and has been written, false for a
  // duplicate (nothing written). Errors: InvalidArgument without an idempotency key;
  // Unavailable when writing or syncing fails.
  absl::StatusOr<bool> Append(const lifeline::partner::v1::DeliverReferralRequest& request);
  // The same for a verification request.
  absl::StatusOr<bool> AppendVerification(
      const lifeline::partner::v1::DeliverVerificationRequest& request);

  // Keys received, of both kinds.
  size_t size() const;

 private:
  // Writes `message` as one line unless `key` is known; see Append.
  absl::StatusOr<bool> AppendLine(const std::string& key, const google::protobuf::Message& message);

  ReceivedLog(std::string path, int fd, std::set<std::string> keys)
      : path_(std::move(path)), fd_(fd), keys_(std::move(keys)) {}

  std::string path_;
  mutable std::mutex mu_;
  int fd_;
  std::set<std::string> keys_;
};

}  // namespace lifeline::partner_sim
