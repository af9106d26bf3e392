#include "referral-service/domain/delivery_request.h"

#include "common/time/dates.h"

namespace lifeline::referral {

lifeline::partner::v1::DeliverReferralRequest BuildDeliveryRequest(const Plan& plan,
                                                                   const Referral& referral) {
  lifeline::partner::v1::DeliverReferralRequest request;
  request.set_idempotency_key(referral.referral_id);
  auto* notice = request.mutable_referral();
  notice->set_referral_id(referral.referral_id);
  notice->set_plan_id(plan.plan_id);
  notice->set_department(referral.department);
  notice->set_service(referral.service);
  notice->set_reason(referral.reason);
  notice->set_person_name(plan.person.name);
  notice->set_person_id_masked(plan.person.id_masked);
  notice->set_region_code(plan.person.region_code);
  notice->set_respond_by(common::FormatDate(referral.respond_by));
  notice->set_referring_unit(plan.referring_unit);
  return request;
}

std::vector<lifeline::partner::v1::DeliverReferralRequest> BuildDeliveryRequests(const Plan& plan) {
  std::vector<lifeline::partner::v1::DeliverReferralRequest> requests;
  requests.reserve(plan.referrals.size());
  for (const Referral& referral : plan.referrals) {
    requests.push_back(BuildDeliveryRequest(plan, referral));
  }
  return requests;
}

}  // namespace lifeline::referral
