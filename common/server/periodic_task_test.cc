#include "common/server/periodic_task.h"

#include <chrono>
#include <condition_variable>
#include <mutex>

#include <gtest/gtest.h>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace lifeline::common {
namespace {

constexpr auto kDeadline = std::chrono::seconds(20);

// Counts the rounds of a task and lets the test wait for a number of them.
class Rounds {
 public:
  absl::Status Run(absl::Status result) {
    std::lock_guard<std::mutex> lock(mu_);
    ++count_;
    cv_.notify_all();
    return result;
  }
  bool WaitFor(int n) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, kDeadline, [&] { return count_ >= n; });
  }
  int count() {
    std::lock_guard<std::mutex> lock(mu_);
    return count_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int count_ = 0;
};

TEST(PeriodicTaskTest, RunsAtOnceOnStartAndStopsOnStop) {
  Rounds rounds;
  // An interval no test waits out: only the round Start runs at once can happen.
  PeriodicTask task("test", absl::Hours(1), [&] { return rounds.Run(absl::OkStatus()); });
  task.Start();
  task.Start();  // a second Start while running does nothing
  ASSERT_TRUE(rounds.WaitFor(1));
  task.Stop();
  EXPECT_EQ(rounds.count(), 1);
}

TEST(PeriodicTaskTest, AFailedRoundDoesNotStopTheNext) {
  Rounds rounds;
  PeriodicTask task("test", absl::Milliseconds(1),
                    [&] { return rounds.Run(absl::UnavailableError("store down")); });
  task.Start();
  EXPECT_TRUE(rounds.WaitFor(3));
  task.Stop();
}

}  // namespace
}  // namespace lifeline::common
