#include "referral-service/clients/delivery_dispatcher.h"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "absl/strings/str_cat.h"

#include "common/status/status_macros.h"
#include "lifeline/partner/v1/partner_inbox.pb.h"
#include "referral-service/domain/referral_state.h"

namespace lifeline::referral {

DeliveryDispatcher::DeliveryDispatcher(common::Outbox* outbox, ReferralStore* store,
                                       PartnerInboxClient* client, Options options,
                                       Observer observer)
    : store_(store), client_(client), options_(std::move(options)), observer_(std::move(observer)) {
  common::OutboxDispatcher::Options dispatcher_options;
  dispatcher_options.topic = kDeliveryTopic;
  dispatcher_options.batch_size = std::clamp(options_.batch_size, 1, 50);
  dispatcher_options.min_backoff = options_.min_backoff;
  dispatcher_options.max_backoff = options_.max_backoff;
  dispatcher_options.idle_poll = options_.idle_poll;
  dispatcher_ = std::make_unique<common::OutboxDispatcher>(
      outbox, [this](const std::vector<common::OutboxMessage>& batch) { return SendBatch(batch); },
      dispatcher_options);
}

DeliveryDispatcher::~DeliveryDispatcher() { Stop(); }

void DeliveryDispatcher::Start() { dispatcher_->Start(); }
void DeliveryDispatcher::Stop() { dispatcher_->Stop(); }
void DeliveryDispatcher::Wake() { dispatcher_->Wake(); }
absl::StatusOr<int> DeliveryDispatcher::DrainOnce() { return dispatcher_->DrainOnce(); }

void DeliveryDispatcher::Report(const std::string& department, std::string_view result) {
  if (observer_) observer_(department, result);
}

absl::Status DeliveryDispatcher::SendBatch(const std::vector<common::OutboxMessage>& batch) {
  int left_queued = 0;
  for (const common::OutboxMessage& message : batch) {
    ASSIGN_OR_RETURN(bool handled, SendOne(message));
    if (!handled) ++left_queued;
  }
  if (left_queued > 0) {
    return absl::UnavailableError(
        absl::StrCat(left_queued, " of ", batch.size(), " deliveries left queued"));
  }
  return absl::OkStatus();
}

absl::StatusOr<bool> DeliveryDispatcher::SendOne(const common::OutboxMessage& message) {
  lifeline::partner::v1::DeliverReferralRequest request;
  if (!request.ParseFromString(message.payload)) {
    // A message this code cannot read never becomes readable; keeping it would block nothing but
    // would be retried forever.
    spdlog::error("event=delivery_dropped message_id={} reason=undecodable", message.id);
    RETURN_IF_ERROR(store_->DiscardDelivery(message.id));
    return true;
  }
  const std::string& referral_id = request.referral().referral_id();
  const std::string& department = request.referral().department();

  absl::StatusOr<Referral> referral = store_->GetReferral(referral_id);
  if (absl::IsNotFound(referral.status())) {
    spdlog::error("event=delivery_dropped message_id={} referral_id={} reason=no_referral",
                  message.id, referral_id);
    RETURN_IF_ERROR(store_->DiscardDelivery(message.id));
    return true;
  }
  if (!referral.ok()) return referral.status();
  if (IsFinal(referral->state)) {
    spdlog::info("event=delivery_skipped referral_id={} department={} state={}", referral_id,
                 department, StateName(referral->state));
    RETURN_IF_ERROR(store_->DiscardDelivery(message.id));
    Report(department, kDeliverySkipped);
    return true;
  }

  absl::StatusOr<Partner> partner = store_->GetPartner(department);
  if (!partner.ok()) {
    if (!absl::IsNotFound(partner.status())) return partner.status();
    RETURN_IF_ERROR(store_->RecordDeliveryFailure(referral_id, "NOT_FOUND"));
    spdlog::warn("event=delivery_queued referral_id={} department={} reason=no_partner",
                 referral_id, department);
    Report(department, kDeliveryNoPartner);
    return false;
  }
  if (!partner->enabled) {
    RETURN_IF_ERROR(store_->RecordDeliveryFailure(referral_id, "FAILED_PRECONDITION"));
    spdlog::warn("event=delivery_queued referral_id={} department={} reason=partner_disabled",
                 referral_id, department);
    Report(department, kDeliveryDisabled);
    return false;
  }
  const std::string& target =
      options_.inbox_override.empty() ? partner->inbox_target : options_.inbox_override;

  absl::StatusOr<std::string> reference = client_->Deliver(target, request);
  if (!reference.ok()) {
    std::string code = absl::StatusCodeToString(reference.status().code());
    RETURN_IF_ERROR(store_->RecordDeliveryFailure(referral_id, code));
    spdlog::warn("event=delivery_failed referral_id={} department={} code={} attempts={}",
                 referral_id, department, code, message.attempts + 1);
    Report(department, kDeliveryFailed);
    return false;
  }
  RETURN_IF_ERROR(store_->RecordDeliverySuccess(referral_id, *reference, message.id));
  spdlog::info("event=delivered referral_id={} department={}", referral_id, department);
  Report(department, kDeliveryDelivered);
  return true;
}

}  // namespace lifeline::referral
