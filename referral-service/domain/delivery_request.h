// The message sent to a department's PartnerInbox for each referral. The domain builds it when the
// plan is made; the outbox keeps its bytes and the dispatcher sends them as they are.
#pragma once

#include <vector>

#include "lifeline/partner/v1/partner_inbox.pb.h"
#include "referral-service/domain/referral.h"

namespace lifeline::referral {

// Returns the DeliverReferralRequest for `referral` of `plan`: idempotency key = referral id,
// the person's display name and masked ID number only.
lifeline::partner::v1::DeliverReferralRequest BuildDeliveryRequest(const Plan& plan,
                                                                   const Referral& referral);

// Returns one DeliverReferralRequest per referral of `plan`, in the plan's order.
std::vector<lifeline::partner::v1::DeliverReferralRequest> BuildDeliveryRequests(const Plan& plan);

}  // namespace lifeline::referral
