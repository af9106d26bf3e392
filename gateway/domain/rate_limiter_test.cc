#include "gateway/domain/rate_limiter.h"

#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"

namespace lifeline::gateway {
namespace {

const absl::Time kStart = absl::FromUnixSeconds(1796000000);

TEST(RateLimiterTest, AllowsTheBurstThenTheRate) {
  RateLimiter limiter({/*per_second=*/2, /*burst=*/3, /*max_keys=*/100});
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(limiter.Acquire("u", kStart).allowed) << i;
  RateLimiter::Decision refused = limiter.Acquire("u", kStart);
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.retry_after, absl::Milliseconds(500));
  // Another key has its own bucket.
  EXPECT_TRUE(limiter.Acquire("v", kStart).allowed);
  // Half a second later one token is back, and only one.
  EXPECT_TRUE(limiter.Acquire("u", kStart + absl::Milliseconds(500)).allowed);
  EXPECT_FALSE(limiter.Acquire("u", kStart + absl::Milliseconds(500)).allowed);
  // A long pause refills to the burst, not beyond.
  const absl::Time later = kStart + absl::Hours(1);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(limiter.Acquire("u", later).allowed) << i;
  EXPECT_FALSE(limiter.Acquire("u", later).allowed);
}

TEST(RateLimiterTest, ZeroRateDisables) {
  RateLimiter limiter({/*per_second=*/0, /*burst=*/1, /*max_keys=*/100});
  EXPECT_FALSE(limiter.enabled());
  for (int i = 0; i < 1000; ++i) EXPECT_TRUE(limiter.Acquire("u", kStart).allowed);
  EXPECT_EQ(limiter.keys(), 0u);
}

TEST(RateLimiterTest, ForgetsFullBucketsWhenTooManyKeys) {
  RateLimiter limiter({/*per_second=*/10, /*burst=*/10, /*max_keys=*/4});
  for (int i = 0; i < 4; ++i) limiter.Acquire(absl::StrCat("k", i), kStart);
  EXPECT_EQ(limiter.keys(), 4u);
  // A second later every old bucket is full again: they go before a fifth key is added.
  limiter.Acquire("k4", kStart + absl::Seconds(1));
  EXPECT_EQ(limiter.keys(), 1u);
  // Buckets still refilling are kept (the map may then exceed max_keys for a while).
  for (int i = 5; i < 10; ++i) limiter.Acquire(absl::StrCat("k", i), kStart + absl::Seconds(1));
  EXPECT_EQ(limiter.keys(), 6u);
}

}  // namespace
}  // namespace lifeline::gateway
