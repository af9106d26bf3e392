#include "referral-service/domain/plan_builder.h"

#include "absl/strings/ascii.h"

#include "referral-service/domain/working_days.h"

namespace lifeline::referral {

absl::StatusOr<Plan> PlanBuilder::Build(const PlanRequest& request,
                                        const PartnerLookup& lookup) const {
  if (absl::StripAsciiWhitespace(request.clue_id).empty()) {
    return absl::InvalidArgumentError("clue_id: required");
  }
  if (absl::StripAsciiWhitespace(request.person.person_id).empty()) {
    return absl::InvalidArgumentError("person.person_id: required");
  }
  if (request.approved_amount_fen < 0) {
    return absl::InvalidArgumentError("approved_amount_fen: must not be negative");
  }
  absl::Time now = clock_->Now();
  absl::CivilDay today = LocalDay(now);

  Plan plan;
  plan.plan_id = ids_->NewId("plan");
  plan.clue_id = request.clue_id;
  plan.person = request.person;
  plan.category = request.category;
  plan.case_number = request.case_number;
  plan.assistance_amount_fen = request.approved_amount_fen;
  plan.referring_unit = request.referring_unit;
  plan.approved_by = request.approved_by;
  plan.state = PlanState::kOpen;
  plan.created_time = now;

  for (const RoutedReferral& routed : router_->Route(request.needs)) {
    int days = kDefaultRespondWithinDays;
    if (std::optional<Partner> partner = lookup(routed.department);
        partner.has_value() && partner->respond_within_days > 0) {
      days = partner->respond_within_days;
    }
    Referral referral;
    referral.referral_id = ids_->NewId("ref");
    referral.plan_id = plan.plan_id;
    referral.department = routed.department;
    referral.service = routed.service;
    referral.reason = routed.reason;
    referral.state = ReferralState::kRequested;
    referral.respond_by = AddWorkingDays(today, days);
    referral.created_time = now;
    referral.updated_time = now;
    plan.referrals.push_back(std::move(referral));
  }
  return plan;
}

}  // namespace lifeline::referral
