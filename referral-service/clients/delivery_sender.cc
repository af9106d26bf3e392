#include "referral-service/clients/delivery_sender.h"

#include <utility>
#include <vector>

#include <spdlog/spdlog.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"

#include "common/status/status_macros.h"
#include "lifeline/partner/v1/partner_inbox.pb.h"
#include "referral-service/domain/delivery_policy.h"
#include "referral-service/domain/referral_state.h"

namespace lifeline::referral {
namespace {

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
      Report(department, kDeliverySkipped);
      return true;
    }

    absl::StatusOr<Partner> partner = store->GetPartner(department);
    if (!partner.ok()) {
      if (!absl::IsNotFound(partner.status())) return partner.status();
      return LeaveQueued(message, request, "NOT_FOUND", kDeliveryNoPartner);
    }
    if (!partner->enabled) {
      return LeaveQueued(message, request, "FAILED_PRECONDITION", kDeliveryDisabled);
    }
    const std::string& target = inbox_override.empty() ? partner->inbox_target : inbox_override;
    absl::StatusOr<std::string> reference = client->Deliver(target, request);
    if (!reference.ok()) {
      return LeaveQueued(message, request, absl::StatusCodeToString(reference.status().code()),
                         kDeliveryFailed);
    }
    RETURN_IF_ERROR(store->RecordDeliverySuccess(referral_id, *reference));
    spdlog::info("event=delivered referral_id={} department={}", referral_id, department);
    Report(department, kDeliveryDelivered);
    return true;
  }

  // Records the failed attempt (`error`, a status code name) on the referral and returns false,
  // or parks the delivery after its last allowed attempt and returns true.
  absl::StatusOr<bool> LeaveQueued(const common::OutboxMessage& message,
                                   const lifeline::partner::v1::DeliverReferralRequest& request,
                                   const std::string& error, std::string_view result) const {
    const std::string& referral_id = request.referral().referral_id();
    const std::string& department = request.referral().department();
    if (ShouldPark(message.attempts + 1, max_attempts)) {
      ASSIGN_OR_RETURN(bool parked, store->ParkDelivery(referral_id, message.id, error));
      if (parked) {
        spdlog::error(
            "event=delivery_parked referral_id={} department={} result={} code={} attempts={}",
            referral_id, department, result, error, message.attempts + 1);
        Report(department, kDeliveryUndeliverable);
      }
      return true;
    }
    RETURN_IF_ERROR(store->RecordDeliveryFailure(referral_id, error));
    spdlog::warn("event=delivery_failed referral_id={} department={} result={} code={} attempts={}",
                 referral_id, department, result, error, message.attempts + 1);
    Report(department, result);
    return false;
  }

  void Report(const std::string& department, std::string_view result) const {
    if (observer) observer(department, result);
  }

  ReferralStore* store;
  PartnerInboxClient* client;
  std::string inbox_override;
  int max_attempts = 0;
  DeliveryObserver observer;
};

}  // namespace

common::OutboxDispatcher::Sender MakeDeliverySender(ReferralStore* store,
                                                    PartnerInboxClient* client,
                                                    std::string inbox_override, int max_attempts,
                                                    DeliveryObserver observer) {
  return DeliverySender{store, client, std::move(inbox_override), max_attempts,
                        std::move(observer)};
}

}  // namespace lifeline::referral
