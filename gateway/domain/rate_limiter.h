// Per-caller rate limits: one token bucket per key (a principal, or a client address for requests
// that fail to authenticate). Time is passed in, so tests need no clock.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "absl/time/time.h"

namespace lifeline::gateway {

class RateLimiter {
 public:
  struct Options {
    double per_second = 100;  // sustained requests per second per key; 0 disables the limiter
    double burst = 200;       // requests a full bucket allows at once (at least 1)
    // Buckets idle long enough to be full again are forgotten once more than this many exist.
    size_t max_keys = 100000;
  };

  // What Acquire decided: allowed, or refused with how long until a request would be allowed.
  struct Decision {
    bool allowed = true;
    absl::Duration retry_after = absl::ZeroDuration();
  };

  explicit RateLimiter(Options options);

  // Takes one token from `key`'s bucket at `now`. Thread-safe.
  Decision Acquire(std::string_view key, absl::Time now);

  bool enabled() const { return options_.per_second > 0; }
  size_t keys() const;

 private:
  struct Bucket {
    double tokens = 0;
    absl::Time updated;
  };

  // Drops buckets that have refilled completely; called with mu_ held.
  void Sweep(absl::Time now);

  Options options_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Bucket> buckets_;
};

}  // namespace lifeline::gateway
