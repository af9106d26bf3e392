// Accepts delivered referrals on behalf of the simulated department, off the delivery path.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "absl/status/status.h"

namespace lifeline::partner_sim {

// Queues (referral_id, department) pairs and, on its own thread, asks referral-service to move
// each referral to ACCEPTED, retrying transient errors (referral-service down or restarting) with
// exponential backoff, by default for as long as it takes. Thread-safe.
class AutoAcceptor {
 public:
  // Moves one referral to ACCEPTED as `department`; returns the call's status.
  using AcceptFn =
      std::function<absl::Status(const std::string& referral_id, const std::string& department)>;

  struct Options {
    // Attempts at one referral before giving up on a transient error; 0: until it is accepted or
    // the acceptor stops (a referral left REQUESTED because referral-service was down a few
    // seconds would stay so for good).
    int max_attempts = 0;
    std::chrono::milliseconds initial_backoff{200};
    // The wait between attempts doubles up to this.
    std::chrono::milliseconds max_backoff{30000};
  };

  AutoAcceptor(AcceptFn accept, Options options);
  ~AutoAcceptor();  // Stops the worker; queued items are dropped.

  // Queues a referral; returns immediately.
  void Enqueue(std::string referral_id, std::string department);

  // Blocks until the queue is empty and nothing is in flight (for tests and shutdown).
  void WaitIdle();
  void Stop();

  int accepted() const;
  int given_up() const;

 private:
  struct Item {
    std::string referral_id;
    std::string department;
  };
  void Loop();
  // Returns true when the referral ended accepted (or already past REQUESTED).
  bool AcceptWithRetry(const Item& item);

  AcceptFn accept_;
  Options options_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Item> queue_;
  bool busy_ = false;
  bool stop_ = false;
  int accepted_ = 0;
  int given_up_ = 0;
  std::thread thread_;
};

}  // namespace lifeline::partner_sim
