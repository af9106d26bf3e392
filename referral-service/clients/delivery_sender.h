// The sender of the "delivery" outbox: each queued referral to its department's PartnerInbox,
// the outcome recorded on the referral. The shape of ingest's MakeMatchSender and match's
// MakePlanSender; main runs it on a common::OutboxDispatcher of topic kDeliveryTopic.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <string_view>

#include "common/outbox/outbox.h"
#include "referral-service/clients/partner_inbox_client.h"
#include "referral-service/clients/webhook_delivery.h"
#include "referral-service/store/referral_store.h"

namespace lifeline::referral {

// Outcome labels reported to the observer (and used as the metric's `result` label).
inline constexpr char kDeliveryDelivered[] = "delivered";
inline constexpr char kDeliveryFailed[] = "failed";
inline constexpr char kDeliveryNoPartner[] = "no_partner";
inline constexpr char kDeliveryDisabled[] = "disabled";
inline constexpr char kDeliverySkipped[] = "skipped";
inline constexpr char kDeliveryUndeliverable[] = "undeliverable";

inline constexpr char kDeliveryAwaitingPickup[] = "awaiting_pickup";
inline constexpr char kDeliveryDeferred[] = "deferred";

// Called once per message handled, with the department, its channel (empty when unknown: no
// partner) and one of the result labels above.
using DeliveryObserver = std::function<void(const std::string& department, std::string_view channel,
                                            std::string_view result)>;

struct DeliverySenderOptions {
  // When set, every gRPC partner's inbox target is this one (demo, e2e with partner-sim).
  std::string inbox_override;
  // Failed attempts after which a delivery is parked (ShouldPark; 0: never).
  int max_attempts = 0;
  // Sends to webhook departments; null: their deliveries fail FAILED_PRECONDITION (and park).
  WebhookDelivery* webhook = nullptr;
  // After a department's receiver fails to answer (UNAVAILABLE, DEADLINE_EXCEEDED), its other
  // deliveries are left queued untried ("deferred") for this long, doubling while it keeps
  // failing up to receiver_pause_max: a receiver that times out costs one timeout per pause, not
  // one per message, and the other departments' deliveries are not held up behind it. 0: every
  // delivery is tried.
  std::chrono::milliseconds receiver_pause{0};
  std::chrono::milliseconds receiver_pause_max{60000};
};

// Returns an OutboxDispatcher sender that sends each message (the DeliverReferralRequest the
// domain built, as it is) over its department's channel: the gRPC inbox through `client` (to
// options.inbox_override when set, else the directory's target), the signed webhook through
// options.webhook, or nothing for a polling department (settled at once as awaiting pickup:
// ListChanges records its delivery) - and records the outcome on the referral in `store`.
// Messages are settled one by one: delivered, or dropped without a delivery when unreadable or
// their referral is unknown or already final. A missing or disabled partner or a failed delivery
// leaves a message queued: the batch then fails Unavailable and only those are retried, each
// after its own backoff (run it on a dispatcher with per_message_backoff). The failure that
// reaches options.max_attempts (ShouldPark) parks the delivery instead (ParkDelivery): the
// referral shows as undeliverable until an admin retries it. A store error ends the batch; what
// was settled before it stays settled. No database lock is held during an RPC. `store` and
// `client` must outlive the sender.
common::OutboxDispatcher::Sender MakeDeliverySender(ReferralStore* store,
                                                    PartnerInboxClient* client,
                                                    DeliverySenderOptions options,
                                                    DeliveryObserver observer = nullptr);

// The same for verification requests (kVerificationTopic: DeliverVerificationRequest bytes):
// PartnerInbox.DeliverVerification, the webhook with the verification's JSON, or nothing for a
// polling office (its ListVerifications records the delivery); a verification answered meanwhile
// is skipped.
common::OutboxDispatcher::Sender MakeVerificationSender(ReferralStore* store,
                                                        PartnerInboxClient* client,
                                                        DeliverySenderOptions options,
                                                        DeliveryObserver observer = nullptr);

}  // namespace lifeline::referral
