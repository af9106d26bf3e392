#include "tools/partner-sim/auto_acceptor.h"

#include <algorithm>
#include <utility>

#include <openssl/sha.h>
#include <spdlog/spdlog.h>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace lifeline::partner_sim {
namespace {

// Errors that a retry can cure.
bool Transient(const absl::Status& status) {
  return absl::IsUnavailable(status) || absl::IsDeadlineExceeded(status) ||
         absl::IsResourceExhausted(status) || absl::IsAborted(status) || absl::IsInternal(status) ||
         absl::IsUnknown(status);
}

}  // namespace

std::string Sha256Hex(const std::string& data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest), sizeof(digest)));
}

referral::v1::AnswerVerificationRequest AutoAnswerRequest(const std::string& verification_id) {
  referral::v1::AnswerVerificationRequest request;
  request.set_verification_id(verification_id);
  request.set_result(referral::v1::VERIFICATION_STATE_CONFIRMED);
  request.set_note("confirmed by partner-sim");
  referral::v1::Attachment* attachment = request.add_attachments();
  attachment->set_name("partner-sim-visit-record.pdf");
  attachment->set_content_type("application/pdf");
  attachment->set_size_bytes(1024);
  attachment->set_sha256(Sha256Hex("partner-sim visit record " + verification_id));
  return request;
}

AutoAcceptor::AutoAcceptor(AcceptFn accept, Options options)
    : AutoAcceptor(std::move(accept), nullptr, options) {}

AutoAcceptor::AutoAcceptor(AcceptFn accept, AnswerFn answer, Options options)
    : accept_(std::move(accept)),
      answer_(std::move(answer)),
      options_(options),
      thread_([this] { Loop(); }) {}

AutoAcceptor::~AutoAcceptor() { Stop(); }

void AutoAcceptor::Enqueue(std::string referral_id, std::string department) {
  std::string description =
      absl::StrCat("accept referral_id=", referral_id, " department=", department);
  EnqueueJob({std::move(description),
              [this, referral_id = std::move(referral_id), department = std::move(department)] {
                return accept_(referral_id, department);
              }});
}

void AutoAcceptor::EnqueueVerification(std::string verification_id, std::string department) {
  std::string description =
      absl::StrCat("answer verification_id=", verification_id, " department=", department);
  EnqueueJob({std::move(description),
              [this, request = AutoAnswerRequest(verification_id),
               department = std::move(department)]() -> absl::Status {
                // Not transient: retrying cannot supply the missing function.
                if (!answer_) return absl::UnimplementedError("auto-answer: not configured");
                return answer_(department, request);
              }});
}

void AutoAcceptor::EnqueueJob(Job job) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    queue_.push_back(std::move(job));
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

int AutoAcceptor::done() const {
  std::lock_guard<std::mutex> lock(mu_);
  return done_;
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
    Job job = std::move(queue_.front());
    queue_.pop_front();
    busy_ = true;
    lock.unlock();
    bool ok = RunWithRetry(job);
    lock.lock();
    busy_ = false;
    (ok ? done_ : given_up_) += 1;
    cv_.notify_all();
  }
}

bool AutoAcceptor::RunWithRetry(const Job& job) {
  std::chrono::milliseconds backoff = options_.initial_backoff;
  for (int attempt = 1; options_.max_attempts <= 0 || attempt <= options_.max_attempts; ++attempt) {
    absl::Status status = job.run();
    if (status.ok()) {
      spdlog::info("event=auto_job_done job={}", job.description);
      return true;
    }
    if (absl::IsFailedPrecondition(status)) {
      // Done already (an earlier attempt whose answer was lost) or moved on by a person.
      spdlog::info("event=auto_job_skipped job={} code={}", job.description,
                   absl::StatusCodeToString(status.code()));
      return true;
    }
    // The code only: a remote message is not ours to vet for personal data.
    spdlog::warn("event=auto_job_failed job={} code={} attempt={}", job.description,
                 absl::StatusCodeToString(status.code()), attempt);
    if (!Transient(status) || attempt == options_.max_attempts) break;
    std::unique_lock<std::mutex> lock(mu_);
    if (cv_.wait_for(lock, backoff, [this] { return stop_; })) return false;
    backoff = std::min(backoff * 2, options_.max_backoff);
  }
  return false;
}

}  // namespace lifeline::partner_sim
