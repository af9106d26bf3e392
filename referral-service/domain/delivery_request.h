// The message queued for, and sent to, a department's PartnerInbox.
#pragma once

#include "lifeline/partner/v1/partner_inbox.pb.h"
#include "referral-service/domain/referral.h"

namespace lifeline::referral {

// The outbox topic of deliveries.
inline constexpr char kDeliveryTopic[] = "delivery";

// Returns the DeliverReferralRequest for `referral` of `plan`: idempotency key = referral id,
// the person's display name and masked ID number only.
lifeline::partner::v1::DeliverReferralRequest BuildDeliveryRequest(const Plan& plan,
                                                                   const Referral& referral);

}  // namespace lifeline::referral
