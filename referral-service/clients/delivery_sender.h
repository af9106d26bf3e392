// The sender of the "delivery" outbox: each queued referral to its department's PartnerInbox,
// the outcome recorded on the referral. The shape of ingest's MakeMatchSender and match's
// MakePlanSender; main runs it on a common::OutboxDispatcher of topic kDeliveryTopic.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "common/outbox/outbox.h"
#include "referral-service/clients/partner_inbox_client.h"
#include "referral-service/store/referral_store.h"

namespace lifeline::referral {

// Outcome labels reported to the observer (and used as the metric's `result` label).
inline constexpr char kDeliveryDelivered[] = "delivered";
inline constexpr char kDeliveryFailed[] = "failed";
inline constexpr char kDeliveryNoPartner[] = "no_partner";
inline constexpr char kDeliveryDisabled[] = "disabled";
inline constexpr char kDeliverySkipped[] = "skipped";
inline constexpr char kDeliveryUndeliverable[] = "undeliverable";

// Called once per message handled, with the department and one of the labels above.
using DeliveryObserver =
    std::function<void(const std::string& department, std::string_view result)>;

// Returns an OutboxDispatcher sender that sends each message (the DeliverReferralRequest the
// domain built, as it is) to its department's inbox through `client` (to `inbox_override` when
// set, else to the directory's target) and records the outcome on the referral in `store`.
// Messages are settled one by one: delivered, or dropped without a delivery when unreadable or
// their referral is unknown or already final. A missing or disabled partner or a failed delivery
// leaves a message queued: the batch then fails Unavailable and only those are retried, each
// after its own backoff (run it on a dispatcher with per_message_backoff). The failure that
// reaches `max_attempts` (ShouldPark; 0: never) parks the delivery instead (ParkDelivery): the
// referral shows as undeliverable until an admin retries it. A store error ends the batch; what
// was settled before it stays settled. No database lock is held during an RPC. `store` and
// `client` must outlive the sender.
common::OutboxDispatcher::Sender MakeDeliverySender(ReferralStore* store,
                                                    PartnerInboxClient* client,
                                                    std::string inbox_override, int max_attempts,
                                                    DeliveryObserver observer = nullptr);

}  // namespace lifeline::referral
