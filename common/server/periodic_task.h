// Runs a function on a background thread every interval until stopped: a service's metrics
// refresh, referral-service's overdue escalation loop.
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <utility>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace lifeline::common {

// Calls `run` at once on Start, then every `interval`; an error is logged as
// `event=<name>_failed code=<code>` and the next round runs as planned. Thread-safe.
class PeriodicTask {
 public:
  PeriodicTask(std::string name, absl::Duration interval, std::function<absl::Status()> run)
      : name_(std::move(name)), interval_(interval), run_(std::move(run)) {}
  ~PeriodicTask() { Stop(); }

  // Starts the thread; a second Start while running does nothing.
  void Start();
  // Stops after the round in progress and joins the thread.
  void Stop();

 private:
  const std::string name_;
  const absl::Duration interval_;
  const std::function<absl::Status()> run_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace lifeline::common
