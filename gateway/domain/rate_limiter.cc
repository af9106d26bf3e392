#include "gateway/domain/rate_limiter.h"

#include <algorithm>
#include <cmath>
#include <mutex>
#include <string>

namespace lifeline::gateway {

RateLimiter::RateLimiter(Options options) : options_(options) {
  options_.burst = std::max(1.0, options_.burst);
}

RateLimiter::Decision RateLimiter::Acquire(std::string_view key, absl::Time now) {
  if (!enabled()) return {};
  std::lock_guard<std::mutex> lock(mu_);
  auto it = buckets_.find(std::string(key));
  if (it == buckets_.end()) {
    if (buckets_.size() >= options_.max_keys) Sweep(now);
    it = buckets_.emplace(std::string(key), Bucket{options_.burst, now}).first;
  }
  Bucket& bucket = it->second;
  const double elapsed = std::max(0.0, absl::ToDoubleSeconds(now - bucket.updated));
  bucket.tokens = std::min(options_.burst, bucket.tokens + elapsed * options_.per_second);
  bucket.updated = now;
  if (bucket.tokens >= 1) {
    bucket.tokens -= 1;
    return {};
  }
  Decision refused;
  refused.allowed = false;
  refused.retry_after = absl::Seconds((1 - bucket.tokens) / options_.per_second);
  return refused;
}

void RateLimiter::Sweep(absl::Time now) {
  const absl::Duration refill = absl::Seconds(options_.burst / options_.per_second);
  for (auto it = buckets_.begin(); it != buckets_.end();) {
    if (now - it->second.updated >= refill) {
      it = buckets_.erase(it);
    } else {
      ++it;
    }
  }
}

size_t RateLimiter::keys() const {
  std::lock_guard<std::mutex> lock(mu_);
  return buckets_.size();
}

}  // namespace lifeline::gateway
