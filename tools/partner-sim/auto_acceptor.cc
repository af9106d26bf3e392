#include "tools/partner-sim/auto_acceptor.h"

#include <algorithm>

#include <spdlog/spdlog.h>

namespace lifeline::partner_sim {
namespace {

// Errors that a retry can cure.
bool Transient(const absl::Status& status) {
  return absl::IsUnavailable(status) || absl::IsDeadlineExceeded(status) ||
         absl::IsResourceExhausted(status) || absl::IsAborted(status) || absl::IsInternal(status) ||
         absl::IsUnknown(status);
}

}  // namespace

AutoAcceptor::AutoAcceptor(AcceptFn accept, Options options)
    : accept_(std::move(accept)), options_(options), thread_([this] { Loop(); }) {}

AutoAcceptor::~AutoAcceptor() { Stop(); }

void AutoAcceptor::Enqueue(std::string referral_id, std::string department) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    queue_.push_back({std::move(referral_id), std::move(department)});
  }
  cv_.notify_all();
}

void AutoAcceptor::WaitIdle() {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [this] { return stop_ || (queue_.empty() && !busy_); });
}

void AutoAcceptor::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

int AutoAcceptor::accepted() const {
  std::lock_guard<std::mutex> lock(mu_);
  return accepted_;
}

int AutoAcceptor::given_up() const {
  std::lock_guard<std::mutex> lock(mu_);
  return given_up_;
}

void AutoAcceptor::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    cv_.wait(lock, [this] { return stop_ || !queue_.empty(); });
    if (stop_) return;
    Item item = std::move(queue_.front());
    queue_.pop_front();
    busy_ = true;
    lock.unlock();
    bool ok = AcceptWithRetry(item);
    lock.lock();
    busy_ = false;
    (ok ? accepted_ : given_up_) += 1;
    cv_.notify_all();
  }
}

bool AutoAcceptor::AcceptWithRetry(const Item& item) {
  std::chrono::milliseconds backoff = options_.initial_backoff;
  for (int attempt = 1; options_.max_attempts <= 0 || attempt <= options_.max_attempts; ++attempt) {
    absl::Status status = accept_(item.referral_id, item.department);
    if (status.ok()) {
      spdlog::info("event=auto_accepted referral_id={} department={}", item.referral_id,
                   item.department);
      return true;
    }
    if (absl::IsFailedPrecondition(status)) {
      // Already accepted (an earlier attempt whose answer was lost) or moved on by a person.
      spdlog::info("event=auto_accept_skipped referral_id={} department={} code={}",
                   item.referral_id, item.department, absl::StatusCodeToString(status.code()));
      return true;
    }
    spdlog::warn("event=auto_accept_failed referral_id={} department={} code={} attempt={}",
                 item.referral_id, item.department, absl::StatusCodeToString(status.code()),
                 attempt);
    if (!Transient(status) || attempt == options_.max_attempts) break;
    std::unique_lock<std::mutex> lock(mu_);
    if (cv_.wait_for(lock, backoff, [this] { return stop_; })) return false;
    backoff = std::min(backoff * 2, options_.max_backoff);
  }
  return false;
}

}  // namespace lifeline::partner_sim
