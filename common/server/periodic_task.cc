#include "common/server/periodic_task.h"

#include <chrono>

#include <spdlog/spdlog.h>

namespace lifeline::common {

void PeriodicTask::Start() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (thread_.joinable()) return;
    stop_ = false;
  }
  thread_ = std::thread([this] {
    std::unique_lock<std::mutex> lock(mu_);
    while (!stop_) {
      lock.unlock();
      if (absl::Status status = run_(); !status.ok()) {
        spdlog::warn("event={}_failed code={}", name_, absl::StatusCodeToString(status.code()));
      }
      lock.lock();
      cv_.wait_for(lock, absl::ToChronoMilliseconds(interval_), [this] { return stop_; });
    }
  });
}

void PeriodicTask::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace lifeline::common
