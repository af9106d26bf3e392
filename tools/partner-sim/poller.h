// The partner simulator's polling channel: departments that cannot receive pushes read their
// referrals from ReferralService.ListChanges and their open verification requests from
// ListVerifications, and this client plays such a department.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#include "lifeline/referral/v1/referral_service.pb.h"
#include "tools/partner-sim/auto_acceptor.h"
#include "tools/partner-sim/received_log.h"

namespace lifeline::partner_sim {

// True for a department code the poller accepts: a lower-case letter, then lower-case letters,
// digits and underscores (the code becomes part of a file name).
bool IsDepartmentCode(std::string_view code);

// For each department, on a thread of its own, pages through ListChanges as that department from
// a durable cursor: every referral of a page that is still REQUESTED is recorded in the
// ReceivedLog (once per referral id) and, when new, queued on the AutoAcceptor; only then is the
// cursor moved past the page and stored, so a crash in between reads the page again (harmlessly:
// the log drops repeats) and never skips one. A page with events is followed at once by the next;
// after a page without any the poller waits `poll_interval`. A failed call (referral-service down
// or restarting) or a failed write is retried after a wait that doubles from `initial_backoff` up
// to `max_backoff`. Each department's cursor is the file `<cursor_prefix><department>`
// (written to a temporary file, synced, renamed into place).
//
// With a ListVerificationsFn, each round then also lists the department's open verifications (all
// pages): each one is recorded (idempotency key = verification id) and, when new, queued on the
// AutoAcceptor to be answered. No cursor is needed: what is open is listed until it is answered,
// and the log drops repeats. A failure there backs off on its own (same waits), so that it never
// holds up the department's referrals. Thread-safe.
class Poller {
 public:
  // Calls ReferralService.ListChanges as the partner caller of `department`. Must return within a
  // few seconds (a deadline), since Stop waits for a call in progress.
  using ListChangesFn = std::function<absl::StatusOr<referral::v1::ListChangesResponse>(
      const std::string& department, const referral::v1::ListChangesRequest& request)>;
  // Calls ReferralService.ListVerifications as the partner caller of `department`; the same
  // deadline applies.
  using ListVerificationsFn = std::function<absl::StatusOr<referral::v1::ListVerificationsResponse>(
      const std::string& department, const referral::v1::ListVerificationsRequest& request)>;

  struct Options {
    // Department codes to poll for (IsDepartmentCode, no repeats).
    std::vector<std::string> departments;
    // Prefix of the cursor files, e.g. "<received_file>.cursor.".
    std::string cursor_prefix;
    std::chrono::milliseconds poll_interval{1000};
    // For ListChanges and ListVerifications (which allow at most 500).
    int page_size = 500;
    std::chrono::milliseconds initial_backoff{1000};
    std::chrono::milliseconds max_backoff{30000};
  };

  // Neither `log` nor `acceptor` is owned; `acceptor` may be null (no auto-accept or
  // auto-answer). Without `list_verifications` (null or the first constructor) only referrals are
  // polled.
  Poller(ListChangesFn list_changes, ReceivedLog* log, AutoAcceptor* acceptor, Options options);
  Poller(ListChangesFn list_changes, ListVerificationsFn list_verifications, ReceivedLog* log,
         AutoAcceptor* acceptor, Options options);
  ~Poller();  // Stops.

  Poller(const Poller&) = delete;
  Poller& operator=(const Poller&) = delete;

  // Reads the stored cursors (0 for a department without one) and starts a thread per
  // department; call once. Errors: InvalidArgument for a bad or repeated department code or a
  // page_size below 1; DataLoss when a cursor file holds something other than a sequence number;
  // Unavailable when one cannot be read.
  absl::Status Start();

  // Stops the threads, waking them from any wait; a call in progress is finished first.
  void Stop();

  // The cursor of `department`: the sequence number of the last event handled (0 for none or an
  // unknown department).
  int64_t cursor(const std::string& department) const;
  // Referrals recorded as new, over all departments.
  int recorded() const { return recorded_.load(); }
  // Verifications recorded as new, over all departments.
  int verifications_recorded() const { return verifications_recorded_.load(); }
  // Failed ListChanges and ListVerifications calls and failed writes, over all departments.
  int errors() const { return errors_.load(); }

 private:
  void Loop(const std::string& department);
  // Handles one page for `department` from its cursor. Sets `*more` when the next page should be
  // asked for at once, and `*step` to what it was doing (for the log when it fails).
  absl::Status PollOnce(const std::string& department, bool* more, std::string* step);
  // Lists and records the open verifications of `department`, every page; sets `*step` as
  // PollOnce does.
  absl::Status PollVerifications(const std::string& department, std::string* step);
  // True once Stop has been called.
  bool Stopping() const;
  // Waits up to `wait`; returns true when stopped.
  bool WaitOrStop(std::chrono::milliseconds wait);
  std::string CursorPath(const std::string& department) const;

  const ListChangesFn list_changes_;
  const ListVerificationsFn list_verifications_;
  ReceivedLog* const log_;
  AutoAcceptor* const acceptor_;
  const Options options_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;                       // guarded by mu_
  std::map<std::string, int64_t> cursors_;  // guarded by mu_
  std::atomic<int> recorded_{0};
  std::atomic<int> verifications_recorded_{0};
  std::atomic<int> errors_{0};
  std::vector<std::thread> threads_;
};

}  // namespace lifeline::partner_sim
