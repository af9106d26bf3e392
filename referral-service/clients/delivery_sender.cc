#include "referral-service/clients/delivery_sender.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

#include <spdlog/spdlog.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"

#include "common/status/status_macros.h"
#include "lifeline/partner/v1/partner_inbox.pb.h"
#include "referral-service/domain/delivery_policy.h"
#include "referral-service/domain/partner_rules.h"
#include "referral-service/domain/referral_state.h"
#include "referral-service/domain/verification.h"

namespace lifeline::referral {
namespace {

// Departments whose receiver failed to answer, and until when their deliveries wait untried.
class ReceiverPauses {
 public:
  using Clock = std::chrono::steady_clock;

  bool Paused(const std::string& department) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = paused_.find(department);
    return it != paused_.end() && Clock::now() < it->second.until;
  }
  // Pauses `department` for `first`, or twice its last pause up to `max`.
  void Pause(const std::string& department, std::chrono::milliseconds first,
             std::chrono::milliseconds max) {
    std::lock_guard<std::mutex> lock(mu_);
    Entry& entry = paused_[department];
    entry.pause = entry.pause.count() == 0 ? first : std::min(entry.pause * 2, max);
    entry.until = Clock::now() + entry.pause;
  }
  void Clear(const std::string& department) {
    std::lock_guard<std::mutex> lock(mu_);
    paused_.erase(department);
  }

 private:
  struct Entry {
    Clock::time_point until;
    std::chrono::milliseconds pause{0};
  };
  std::mutex mu_;
  std::map<std::string, Entry> paused_;
};

// The sender MakeDeliverySender returns: handles a batch message by message. Thread-safe if the
// store, the client and the observer are.
struct DeliverySender {
  common::OutboxDispatcher::SendResult operator()(
      const std::vector<common::OutboxMessage>& batch) const {
    common::OutboxDispatcher::SendResult result = absl::OkStatus();
    int left_queued = 0;
    for (const common::OutboxMessage& message : batch) {
      absl::StatusOr<bool> settled = SendOne(message);
      if (!settled.ok()) {
        result.status = settled.status();
        return result;
      }
      if (*settled) {
        result.settled.push_back(message.id);
      } else {
        ++left_queued;
      }
    }
    if (left_queued > 0) {
      result.status = absl::UnavailableError(
          absl::StrCat(left_queued, " of ", batch.size(), " deliveries left queued"));
    }
    return result;
  }

  // What one outbox message is about, read from its bytes.
  struct Subject {
    std::string id;  // the referral's or the verification's
    std::string department;
    lifeline::partner::v1::DeliverReferralRequest referral;
    lifeline::partner::v1::DeliverVerificationRequest verification;
  };

  // Reads the message; nullopt when it is unreadable (dropped: it never becomes readable).
  std::optional<Subject> Parse(const common::OutboxMessage& message) const {
    Subject subject;
    if (verifications) {
      if (!subject.verification.ParseFromString(message.payload)) return std::nullopt;
      subject.id = subject.verification.verification().verification_id();
      subject.department = subject.verification.verification().department();
    } else {
      if (!subject.referral.ParseFromString(message.payload)) return std::nullopt;
      subject.id = subject.referral.referral().referral_id();
      subject.department = subject.referral.referral().department();
    }
    return subject;
  }

  // Whether the subject still waits for its department: true (send it), false (skip it: final,
  // or answered), NotFound (dropped), or the store's error.
  absl::StatusOr<bool> StillWanted(const Subject& subject) const {
    if (verifications) {
      ASSIGN_OR_RETURN(Verification verification, store->GetVerification(subject.id));
      return verification.state == VerificationState::kRequested;
    }
    ASSIGN_OR_RETURN(Referral referral, store->GetReferral(subject.id));
    return !IsFinal(referral.state);
  }

  // Returns true when the message is settled (delivered or dropped), false when it must stay
  // queued; errors are store failures.
  absl::StatusOr<bool> SendOne(const common::OutboxMessage& message) const {
    std::optional<Subject> parsed = Parse(message);
    if (!parsed.has_value()) {
      spdlog::error("event=delivery_dropped message_id={} reason=undecodable", message.id);
      return true;
    }
    const Subject& subject = *parsed;
    const std::string& department = subject.department;

    absl::StatusOr<bool> wanted = StillWanted(subject);
    if (absl::IsNotFound(wanted.status())) {
      spdlog::error("event=delivery_dropped message_id={} id={} reason=unknown", message.id,
                    subject.id);
      return true;
    }
    if (!wanted.ok()) return wanted.status();
    if (!*wanted) {
      spdlog::info("event=delivery_skipped id={} department={} reason=closed", subject.id,
                   department);
      Report(department, "", kDeliverySkipped);
      return true;
    }

    absl::StatusOr<Partner> partner = store->GetPartner(department);
    if (!partner.ok()) {
      if (!absl::IsNotFound(partner.status())) return partner.status();
      return LeaveQueued(message, subject, "", "NOT_FOUND", kDeliveryNoPartner);
    }
    const std::string_view channel = ChannelName(partner->channel);
    if (!partner->enabled) {
      return LeaveQueued(message, subject, channel, "FAILED_PRECONDITION", kDeliveryDisabled);
    }
    if (partner->channel != DeliveryChannel::kPolling && options.receiver_pause.count() > 0 &&
        pauses->Paused(department)) {
      return LeaveQueued(message, subject, channel, "UNAVAILABLE", kDeliveryDeferred);
    }
    absl::StatusOr<std::string> reference;
    const std::string& target =
        options.inbox_override.empty() ? partner->inbox_target : options.inbox_override;
    switch (partner->channel) {
      case DeliveryChannel::kPolling:
        // Nothing to push: the department's next read (ListChanges, ListVerifications) records
        // the delivery.
        spdlog::info("event=delivery_awaiting_pickup id={} department={}", subject.id, department);
        Report(department, channel, kDeliveryAwaitingPickup);
        return true;
      case DeliveryChannel::kWebhook:
        if (options.webhook == nullptr) {
          reference = absl::FailedPreconditionError("webhook: no secrets file configured");
        } else if (verifications) {
          reference =
              options.webhook->DeliverVerification(partner->webhook_url, subject.verification);
        } else {
          reference = options.webhook->Deliver(partner->webhook_url, subject.referral);
        }
        break;
      default:
        reference = verifications ? client->DeliverVerification(target, subject.verification)
                                  : client->Deliver(target, subject.referral);
        break;
    }
    if (!reference.ok()) {
      if (options.receiver_pause.count() > 0 && (absl::IsUnavailable(reference.status()) ||
                                                 absl::IsDeadlineExceeded(reference.status()))) {
        pauses->Pause(department, options.receiver_pause, options.receiver_pause_max);
      }
      spdlog::warn("event=delivery_attempt_failed id={} department={} channel={} detail=\"{}\"",
                   subject.id, department, channel, std::string(reference.status().message()));
      return LeaveQueued(message, subject, channel,
                         absl::StatusCodeToString(reference.status().code()), kDeliveryFailed);
    }
    if (options.receiver_pause.count() > 0) pauses->Clear(department);
    RETURN_IF_ERROR(store->RecordDeliverySuccess(subject.id, *reference));
    spdlog::info("event=delivered id={} department={} channel={}", subject.id, department, channel);
    Report(department, channel, kDeliveryDelivered);
    return true;
  }

  // Records the failed attempt (`error`, a status code name) and returns false, or parks the
  // delivery after its last allowed attempt and returns true.
  absl::StatusOr<bool> LeaveQueued(const common::OutboxMessage& message, const Subject& subject,
                                   std::string_view channel, const std::string& error,
                                   std::string_view result) const {
    const std::string& department = subject.department;
    if (ShouldPark(message.attempts + 1, options.max_attempts)) {
      ASSIGN_OR_RETURN(bool parked, store->ParkDelivery(subject.id, message.id, error));
      if (parked) {
        spdlog::error("event=delivery_parked id={} department={} result={} code={} attempts={}",
                      subject.id, department, result, error, message.attempts + 1);
        Report(department, channel, kDeliveryUndeliverable);
      }
      return true;
    }
    RETURN_IF_ERROR(store->RecordDeliveryFailure(subject.id, error));
    spdlog::warn("event=delivery_failed id={} department={} result={} code={} attempts={}",
                 subject.id, department, result, error, message.attempts + 1);
    Report(department, channel, result);
    return false;
  }

  void Report(const std::string& department, std::string_view channel,
              std::string_view result) const {
    if (observer) observer(department, channel, result);
  }

  ReferralStore* store;
  PartnerInboxClient* client;
  DeliverySenderOptions options;
  DeliveryObserver observer;
  // The messages are verification requests (kVerificationTopic), not referrals.
  bool verifications = false;
  // Shared by the copies std::function makes.
  std::shared_ptr<ReceiverPauses> pauses = std::make_shared<ReceiverPauses>();
};

}  // namespace

common::OutboxDispatcher::Sender MakeDeliverySender(ReferralStore* store,
                                                    PartnerInboxClient* client,
                                                    DeliverySenderOptions options,
                                                    DeliveryObserver observer) {
  return DeliverySender{store, client, std::move(options), std::move(observer)};
}

common::OutboxDispatcher::Sender MakeVerificationSender(ReferralStore* store,
                                                        PartnerInboxClient* client,
                                                        DeliverySenderOptions options,
                                                        DeliveryObserver observer) {
  return DeliverySender{store, client, std::move(options), std::move(observer),
                        /*verifications=*/true};
}

}  // namespace lifeline::referral
