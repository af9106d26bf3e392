#include "tools/partner-sim/poller.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <utility>

#include <spdlog/spdlog.h>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

#include "common/status/status_macros.h"
#include "lifeline/partner/v1/partner_inbox.pb.h"
#include <fcntl.h>
#include <unistd.h>

namespace lifeline::partner_sim {
namespace {

namespace v1 = ::lifeline::referral::v1;

absl::Status ErrnoError(const std::string& what) {
  return absl::UnavailableError(absl::StrCat(what, ": ", std::strerror(errno)));
}

absl::Status WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t written = ::write(fd, data.data(), data.size());
    if (written < 0) {
      if (errno == EINTR) continue;
      return ErrnoError("cursor file: write failed");
    }
    data.remove_prefix(static_cast<size_t>(written));
  }
  return absl::OkStatus();
}

// Returns the cursor stored at `path`, 0 when there is no file yet.
absl::StatusOr<int64_t> ReadCursor(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    if (ec) return absl::UnavailableError(absl::StrCat(path, ": ", ec.message()));
    return 0;
  }
  std::ifstream in(path);
  if (!in) return absl::UnavailableError(absl::StrCat(path, ": cannot be read"));
  std::stringstream text;
  text << in.rdbuf();
  int64_t cursor = 0;
  if (!absl::SimpleAtoi(absl::StripAsciiWhitespace(text.str()), &cursor) || cursor < 0) {
    return absl::DataLossError(absl::StrCat(path, ": not a sequence number"));
  }
  return cursor;
}

// Replaces the file at `path` with `cursor` so that a crash leaves either the old or the new
// value: written to a temporary file and synced, renamed over the old one, the directory synced.
absl::Status StoreCursor(const std::string& path, int64_t cursor) {
  const std::string temp = path + ".tmp";
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return ErrnoError("cursor file: cannot open");
  absl::Status written = WriteAll(fd, absl::StrCat(cursor, "\n"));
  if (written.ok() && ::fsync(fd) != 0) written = ErrnoError("cursor file: fsync failed");
  if (::close(fd) != 0 && written.ok()) written = ErrnoError("cursor file: close failed");
  if (!written.ok()) return written;
  if (::rename(temp.c_str(), path.c_str()) != 0) return ErrnoError("cursor file: rename failed");
  std::string dir = std::filesystem::path(path).parent_path().string();
  if (dir.empty()) dir = ".";
  const int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd < 0) return ErrnoError("cursor directory: cannot open");
  const bool synced = ::fsync(dir_fd) == 0;
  ::close(dir_fd);
  if (!synced) return ErrnoError("cursor directory: fsync failed");
  return absl::OkStatus();
}

// What the department is told about `referral`: the Referral carries no person, so the person
// fields stay empty.
partner::v1::DeliverReferralRequest DeliveryOf(const v1::Referral& referral) {
  partner::v1::DeliverReferralRequest delivery;
  delivery.set_idempotency_key(referral.referral_id());
  partner::v1::ReferralNotice* notice = delivery.mutable_referral();
  notice->set_referral_id(referral.referral_id());
  notice->set_plan_id(referral.plan_id());
  notice->set_department(referral.department());
  notice->set_service(referral.service());
  notice->set_reason(referral.reason());
  notice->set_respond_by(referral.respond_by());
  return delivery;
}

// What the office is told about `verification`: the notice a pushed delivery carries, the
// person as the verification shows them (display name, masked ID, region).
partner::v1::DeliverVerificationRequest VerificationDeliveryOf(
    const v1::Verification& verification) {
  partner::v1::DeliverVerificationRequest delivery;
  delivery.set_idempotency_key(verification.verification_id());
  partner::v1::VerificationNotice* notice = delivery.mutable_verification();
  notice->set_verification_id(verification.verification_id());
  notice->set_clue_id(verification.clue_id());
  notice->set_department(verification.department());
  notice->set_question(verification.question());
  notice->set_person_name(verification.person().name());
  notice->set_person_id_masked(verification.person().id_masked());
  notice->set_region_code(verification.person().region_code());
  notice->set_respond_by(verification.respond_by());
  return delivery;
}

}  // namespace

bool IsDepartmentCode(std::string_view code) {
  if (code.empty() || !absl::ascii_islower(static_cast<unsigned char>(code[0]))) return false;
  return std::all_of(code.begin(), code.end(), [](char c) {
    return absl::ascii_islower(static_cast<unsigned char>(c)) ||
           absl::ascii_isdigit(static_cast<unsigned char>(c)) || c == '_';
  });
}

Poller::Poller(ListChangesFn list_changes, ReceivedLog* log, AutoAcceptor* acceptor,
               Options options)
    : Poller(std::move(list_changes), nullptr, log, acceptor, std::move(options)) {}

Poller::Poller(ListChangesFn list_changes, ListVerificationsFn list_verifications, ReceivedLog* log,
               AutoAcceptor* acceptor, Options options)
    : list_changes_(std::move(list_changes)),
      list_verifications_(std::move(list_verifications)),
      log_(log),
      acceptor_(acceptor),
      options_(std::move(options)) {}

Poller::~Poller() { Stop(); }

absl::Status Poller::Start() {
  if (!threads_.empty()) return absl::FailedPreconditionError("poller: already started");
  if (options_.page_size < 1) return absl::InvalidArgumentError("poller: page_size must be >= 1");
  std::set<std::string> seen;
  std::map<std::string, int64_t> cursors;
  for (const std::string& department : options_.departments) {
    if (!IsDepartmentCode(department)) {
      return absl::InvalidArgumentError(
          absl::StrCat("poller: \"", department, "\" is not a department code"));
    }
    if (!seen.insert(department).second) {
      return absl::InvalidArgumentError(absl::StrCat("poller: ", department, " is listed twice"));
    }
    ASSIGN_OR_RETURN(cursors[department], ReadCursor(CursorPath(department)));
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    cursors_ = std::move(cursors);
  }
  for (const std::string& department : options_.departments) {
    spdlog::info("event=poll_started department={} cursor={}", department, cursor(department));
    threads_.emplace_back([this, department] { Loop(department); });
  }
  return absl::OkStatus();
}

void Poller::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  for (std::thread& thread : threads_) {
    if (thread.joinable()) thread.join();
  }
}

int64_t Poller::cursor(const std::string& department) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = cursors_.find(department);
  return it == cursors_.end() ? 0 : it->second;
}

void Poller::Loop(const std::string& department) {
  using Clock = std::chrono::steady_clock;
  std::chrono::milliseconds backoff = options_.initial_backoff;
  // Verifications back off on their own: a referral-service that cannot list them yet (or a
  // failure there alone) must not hold up the department's referrals.
  std::chrono::milliseconds verifications_backoff = options_.initial_backoff;
  Clock::time_point verifications_due = Clock::now();
  while (true) {
    bool more = false;
    std::string step;
    absl::Status status = PollOnce(department, &more, &step);
    std::chrono::milliseconds wait{0};
    if (status.ok()) {
      backoff = options_.initial_backoff;
      if (!more) wait = options_.poll_interval;
    } else {
      errors_.fetch_add(1);
      // The code only: a remote message is not ours to vet for personal data.
      spdlog::warn("event=poll_failed department={} step={} code={} retry_in_ms={}", department,
                   step, absl::StatusCodeToString(status.code()), backoff.count());
      wait = backoff;
      backoff = std::min(backoff * 2, options_.max_backoff);
    }
    if (list_verifications_ != nullptr && Clock::now() >= verifications_due && !Stopping()) {
      absl::Status listed = PollVerifications(department, &step);
      if (listed.ok()) {
        verifications_backoff = options_.initial_backoff;
      } else {
        errors_.fetch_add(1);
        spdlog::warn("event=poll_failed department={} step={} code={} retry_in_ms={}", department,
                     step, absl::StatusCodeToString(listed.code()), verifications_backoff.count());
        verifications_due = Clock::now() + verifications_backoff;
        verifications_backoff = std::min(verifications_backoff * 2, options_.max_backoff);
      }
    }
    if (WaitOrStop(wait)) return;
  }
}

absl::Status Poller::PollOnce(const std::string& department, bool* more, std::string* step) {
  const int64_t after = cursor(department);
  v1::ListChangesRequest request;
  request.set_after_sequence(after);
  request.set_page_size(options_.page_size);
  request.set_department(department);
  *step = "list_changes";
  ASSIGN_OR_RETURN(v1::ListChangesResponse response, list_changes_(department, request));

  // last_sequence is where the next page starts; the events' own numbers cover a server that
  // leaves it unset. Never backwards: a page from before the cursor was handled already.
  int64_t next = std::max(after, response.last_sequence());
  for (const v1::ReferralEvent& event : response.events()) {
    next = std::max(next, event.sequence());
  }

  *step = "record";
  for (const v1::Referral& referral : response.referrals()) {
    // Referrals already accepted, rejected or withdrawn need nothing from the department.
    if (referral.state() != v1::REFERRAL_STATE_REQUESTED) continue;
    if (referral.referral_id().empty() || referral.department() != department) {
      // Not this department's to act on; recording it would misfile it.
      spdlog::warn("event=poll_skipped department={} reason=foreign_or_unnamed_referral",
                   department);
      continue;
    }
    ASSIGN_OR_RETURN(const bool is_new, log_->Append(DeliveryOf(referral)));
    // Referral ids and department codes only, as for the other channels.
    spdlog::info("event=delivery channel=poll referral_id={} department={} duplicate={}",
                 referral.referral_id(), department, !is_new);
    if (!is_new) continue;
    recorded_.fetch_add(1);
    if (acceptor_ != nullptr) acceptor_->Enqueue(referral.referral_id(), department);
  }

  // Only now that every referral of the page is on disk may the cursor pass it.
  if (next != after) {
    *step = "store_cursor";
    RETURN_IF_ERROR(StoreCursor(CursorPath(department), next));
    std::lock_guard<std::mutex> lock(mu_);
    cursors_[department] = next;
  }
  *more = response.events_size() > 0 || next != after;
  return absl::OkStatus();
}

absl::Status Poller::PollVerifications(const std::string& department, std::string* step) {
  v1::ListVerificationsRequest request;
  request.set_department(department);
  request.set_open_only(true);
  request.set_page_size(options_.page_size);
  // A server that hands back a token already followed would keep this loop going for ever.
  std::set<std::string> tokens_followed;
  while (true) {
    *step = "list_verifications";
    ASSIGN_OR_RETURN(v1::ListVerificationsResponse response,
                     list_verifications_(department, request));
    *step = "record_verification";
    for (const v1::Verification& verification : response.verifications()) {
      // Answered ones need nothing more from the office.
      if (verification.state() != v1::VERIFICATION_STATE_REQUESTED) continue;
      if (verification.verification_id().empty() || verification.department() != department) {
        // Not this office's to answer; recording it would misfile it.
        spdlog::warn("event=poll_skipped department={} reason=foreign_or_unnamed_verification",
                     department);
        continue;
      }
      ASSIGN_OR_RETURN(const bool is_new,
                       log_->AppendVerification(VerificationDeliveryOf(verification)));
      // An open verification is listed again every round until it is answered: only its first
      // sighting is worth a line at the default level. Verification ids and department codes
      // only; the question and the person stay out of logs.
      if (!is_new) {
        spdlog::debug("event=delivery channel=poll verification_id={} department={} duplicate=true",
                      verification.verification_id(), department);
        continue;
      }
      spdlog::info("event=delivery channel=poll verification_id={} department={} duplicate=false",
                   verification.verification_id(), department);
      verifications_recorded_.fetch_add(1);
      if (acceptor_ != nullptr) {
        acceptor_->EnqueueVerification(verification.verification_id(), department);
      }
    }
    if (response.next_page_token().empty() ||
        !tokens_followed.insert(response.next_page_token()).second || Stopping()) {
      return absl::OkStatus();
    }
    request.set_page_token(response.next_page_token());
  }
}

bool Poller::Stopping() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stop_;
}

bool Poller::WaitOrStop(std::chrono::milliseconds wait) {
  std::unique_lock<std::mutex> lock(mu_);
  return cv_.wait_for(lock, wait, [this] { return stop_; });
}

std::string Poller::CursorPath(const std::string& department) const {
  return options_.cursor_prefix + department;
}

}  // namespace lifeline::partner_sim
