// Acts on delivered referrals and verification requests on behalf of the simulated department,
// off the delivery path.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "absl/status/status.h"

#include "lifeline/referral/v1/referral_service.pb.h"

namespace lifeline::partner_sim {

// What partner-sim answers to verification `verification_id`: CONFIRMED, the note "confirmed by
// partner-sim" and the metadata of one stand-in visit record (the file itself never exists; its
// hash is that of "partner-sim visit record <verification_id>", so it differs per verification
// and a test can recompute it).
referral::v1::AnswerVerificationRequest AutoAnswerRequest(const std::string& verification_id);

// Lower-case hex SHA-256 of `data`.
std::string Sha256Hex(const std::string& data);

// Runs queued jobs one at a time on its own thread (moving a referral to ACCEPTED, answering a
// verification), retrying transient errors (referral-service down or restarting) with
// exponential backoff, by default for as long as it takes. Thread-safe.
class AutoAcceptor {
 public:
  // One piece of work for referral-service. `run` makes one attempt and returns its status: OK
  // and FAILED_PRECONDITION (done before, e.g. an attempt whose answer was lost, or by a person)
  // end the job as done; transient errors are retried; any other error gives it up.
  struct Job {
    // Names the job in logs, e.g. "accept referral_id=ref_1 department=legal_aid": codes only.
    std::string description;
    std::function<absl::Status()> run;
  };

  // Moves one referral to ACCEPTED as `department`; returns the call's status.
  using AcceptFn =
      std::function<absl::Status(const std::string& referral_id, const std::string& department)>;
  // Sends `request` (AnswerVerification) as the partner caller of `department`; returns the
  // call's status.
  using AnswerFn = std::function<absl::Status(
      const std::string& department, const referral::v1::AnswerVerificationRequest& request)>;

  struct Options {
    // Attempts at one job before giving up on a transient error; 0: until it is done or the
    // acceptor stops (a referral left REQUESTED because referral-service was down a few seconds
    // would stay so for good).
    int max_attempts = 0;
    std::chrono::milliseconds initial_backoff{200};
    // The wait between attempts doubles up to this.
    std::chrono::milliseconds max_backoff{30000};
  };

  // Without an AnswerFn, verifications queued with EnqueueVerification are given up (logged).
  AutoAcceptor(AcceptFn accept, Options options);
  AutoAcceptor(AcceptFn accept, AnswerFn answer, Options options);
  ~AutoAcceptor();  // Stops the worker; queued jobs are dropped.

  AutoAcceptor(const AutoAcceptor&) = delete;
  AutoAcceptor& operator=(const AutoAcceptor&) = delete;

  // Queues accepting a referral; returns immediately.
  void Enqueue(std::string referral_id, std::string department);
  // Queues answering a verification with AutoAnswerRequest; returns immediately.
  void EnqueueVerification(std::string verification_id, std::string department);
  // Queues any job; returns immediately.
  void EnqueueJob(Job job);

  // Blocks until the queue is empty and nothing is in flight (for tests and shutdown).
  void WaitIdle();
  void Stop();

  // Jobs that ended done: referrals accepted, verifications answered (or either done before).
  int done() const;
  // The same as done(), by the name it had when every job was an acceptance.
  int accepted() const { return done(); }
  int given_up() const;

 private:
  void Loop();
  // Returns true when the job ended done.
  bool RunWithRetry(const Job& job);

  const AcceptFn accept_;
  const AnswerFn answer_;
  const Options options_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job> queue_;
  bool busy_ = false;
  bool stop_ = false;
  int done_ = 0;
  int given_up_ = 0;
  // Last: started once everything above is initialised.
  std::thread thread_;
};

}  // namespace lifeline::partner_sim
