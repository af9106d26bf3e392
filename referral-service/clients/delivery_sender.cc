#include "referral-service/clients/delivery_sender.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
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

  // Returns true when the message is settled (delivered or dropped), false when it must stay
  // queued; errors are store failures.
  absl::StatusOr<bool> SendOne(const common::OutboxMessage& message) const {
    lifeline::partner::v1::DeliverReferralRequest request;
    if (!request.ParseFromString(message.payload)) {
      // A message this code cannot read never becomes readable: retrying it would be forever.
      spdlog::error("event=delivery_dropped message_id={} reason=undecodable", message.id);
      return true;
    }
    const std::string& referral_id = request.referral().referral_id();
    const std::string& department = request.referral().department();

    absl::StatusOr<Referral> referral = store->GetReferral(referral_id);
    if (absl::IsNotFound(referral.status())) {
      spdlog::error("event=delivery_dropped message_id={} referral_id={} reason=no_referral",
                    message.id, referral_id);
      return true;
    }
    if (!referral.ok()) return referral.status();
    if (IsFinal(referral->state)) {
      spdlog::info("event=delivery_skipped referral_id={} department={} state={}", referral_id,
                   department, StateName(referral->state));
      Report(department, "", kDeliverySkipped);
      return true;
    }

    absl::StatusOr<Partner> partner = store->GetPartner(department);
    if (!partner.ok()) {
      if (!absl::IsNotFound(partner.status())) return partner.status();
      return LeaveQueued(message, request, "", "NOT_FOUND", kDeliveryNoPartner);
    }
    const std::string_view channel = ChannelName(partner->channel);
    if (!partner->enabled) {
      return LeaveQueued(message, request, channel, "FAILED_PRECONDITION", kDeliveryDisabled);
    }
    if (partner->channel != DeliveryChannel::kPolling && options.receiver_pause.count() > 0 &&
        pauses->Paused(department)) {
      return LeaveQueued(message, request, channel, "UNAVAILABLE", kDeliveryDeferred);
    }
    absl::StatusOr<std::string> reference;
    switch (partner->channel) {
      case DeliveryChannel::kPolling:
        // Nothing to push: the department's next ListChanges records the delivery.
        spdlog::info("event=delivery_awaiting_pickup referral_id={} department={}", referral_id,
                     department);
        Report(department, channel, kDeliveryAwaitingPickup);
        return true;
      case DeliveryChannel::kWebhook:
        reference = options.webhook != nullptr
                        ? options.webhook->Deliver(partner->webhook_url, request)
                        : absl::FailedPreconditionError("webhook: no secrets file configured");
        break;
      default:
        reference = client->Deliver(
            options.inbox_override.empty() ? partner->inbox_target : options.inbox_override,
            request);
        break;
    }
    if (!reference.ok()) {
      if (options.receiver_pause.count() > 0 && (absl::IsUnavailable(reference.status()) ||
                                                 absl::IsDeadlineExceeded(reference.status()))) {
        pauses->Pause(department, options.receiver_pause, options.receiver_pause_max);
      }
      spdlog::warn(
          "event=delivery_attempt_failed referral_id={} department={} channel={} "
          "detail=\"{}\"",
          referral_id, department, channel, std::string(reference.status().message()));
      return LeaveQueued(message, request, channel,
                         absl::StatusCodeToString(reference.status().code()), kDeliveryFailed);
    }
    if (options.receiver_pause.count() > 0) pauses->Clear(department);
    RETURN_IF_ERROR(store->RecordDeliverySuccess(referral_id, *reference));
    spdlog::info("event=delivered referral_id={} department={} channel={}", referral_id, department,
                 channel);
    Report(department, channel, kDeliveryDelivered);
    return true;
  }

  // Records the failed attempt (`error`, a status code name) on the referral and returns false,
  // or parks the delivery after its last allowed attempt and returns true.
  absl::StatusOr<bool> LeaveQueued(const common::OutboxMessage& message,
                                   const lifeline::partner::v1::DeliverReferralRequest& request,
                                   std::string_view channel, const std::string& error,
                                   std::string_view result) const {
    const std::string& referral_id = request.referral().referral_id();
    const std::string& department = request.referral().department();
    if (ShouldPark(message.attempts + 1, options.max_attempts)) {
      ASSIGN_OR_RETURN(bool parked, store->ParkDelivery(referral_id, message.id, error));
      if (parked) {
        spdlog::error(
            "event=delivery_parked referral_id={} department={} result={} code={} attempts={}",
            referral_id, department, result, error, message.attempts + 1);
        Report(department, channel, kDeliveryUndeliverable);
      }
      return true;
    }
    RETURN_IF_ERROR(store->RecordDeliveryFailure(referral_id, error));
    spdlog::warn("event=delivery_failed referral_id={} department={} result={} code={} attempts={}",
                 referral_id, department, result, error, message.attempts + 1);
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

}  // namespace lifeline::referral
