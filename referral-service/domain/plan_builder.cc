#include "referral-service/domain/plan_builder.h"

#include <string_view>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

#include "referral-service/domain/deadlines.h"
#include "referral-service/domain/referral_state.h"
#include "referral-service/domain/working_days.h"

namespace lifeline::referral {

Referral PlanBuilder::NewReferral(const std::string& plan_id, const std::string& department,
                                  const std::string& service, const std::string& reason,
                                  const Agreement& agreement, absl::Time now) const {
  static const WorkingCalendar kWeekdays;
  Referral referral;
  referral.referral_id = ids_->NewId("ref");
  referral.plan_id = plan_id;
  referral.department = department;
  referral.service = service;
  referral.reason = reason;
  referral.state = ReferralState::kRequested;
  referral.deadlines =
      DeadlinesFor(agreement, LocalDay(now), calendar_ != nullptr ? *calendar_ : kWeekdays);
  referral.respond_by = referral.deadlines.accept;
  referral.escalation = Escalation{DeadlineStage::kAccept, 0};
  referral.next_check = FirstCheckDay(referral.state, referral.deadlines);
  referral.created_time = now;
  referral.updated_time = now;
  ReferralEvent created;
  created.referral_id = referral.referral_id;
  created.from_state = ReferralState::kUnspecified;
  created.to_state = referral.state;
  created.time = now;
  referral.history.push_back(std::move(created));
  return referral;
}

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

  Plan plan;
  plan.plan_id = ids_->NewId("plan");
  plan.clue_id = request.clue_id;
  plan.person = request.person;
  plan.category = request.category;
  plan.case_number = request.case_number;
  plan.assistance_amount_fen = request.approved_amount_fen;
  plan.referring_unit = request.referring_unit;
  plan.approved_by = request.approved_by;
  plan.created_time = now;
  // The initial event of each referral is the approver's act (or this service's).
  const std::string actor = request.approved_by.empty() ? "referral-service" : request.approved_by;

  for (const RoutedReferral& routed : router_->Route(request.needs)) {
    // A department not (yet) in the directory gets the default agreement.
    Agreement agreement;
    if (std::optional<Partner> partner = lookup(routed.department); partner.has_value()) {
      agreement = AgreementOf(*partner);
    }
    Referral referral =
        NewReferral(plan.plan_id, routed.department, routed.service, routed.reason, agreement, now);
    referral.history.front().actor = actor;
    plan.referrals.push_back(std::move(referral));
  }
  std::vector<ReferralState> states;
  for (const Referral& referral : plan.referrals) states.push_back(referral.state);
  plan.state = IsPlanClosed(states) ? PlanState::kClosed : PlanState::kOpen;
  if (plan.state == PlanState::kClosed) plan.closed_time = now;
  return plan;
}

absl::StatusOr<Referral> PlanBuilder::BuildAdded(const Plan& plan, const AddedReferral& added,
                                                 const Partner& partner, std::string_view actor,
                                                 std::string_view actor_department) const {
  for (const auto& [field, value] :
       {std::pair{"department", &added.department}, std::pair{"service", &added.service},
        std::pair{"reason", &added.reason}}) {
    if (absl::StripAsciiWhitespace(*value).empty()) {
      return absl::InvalidArgumentError(absl::StrCat(field, ": required"));
    }
  }
  for (const Referral& existing : plan.referrals) {
    if (existing.department == added.department && !IsFinal(existing.state)) {
      return absl::InvalidArgumentError(absl::StrCat("department: ", added.department,
                                                     " already has an open referral in this plan"));
    }
  }
  if (!added.reroutes_referral_id.empty()) {
    const Referral* first = nullptr;
    for (const Referral& existing : plan.referrals) {
      if (existing.referral_id == added.reroutes_referral_id) first = &existing;
    }
    if (first == nullptr) {
      return absl::NotFoundError(absl::StrCat("reroutes_referral_id: ", added.reroutes_referral_id,
                                              " is not in this plan"));
    }
    if (first->state != ReferralState::kRejected && first->state != ReferralState::kFailed) {
      return absl::FailedPreconditionError(
          "reroutes_referral_id: only a rejected or failed referral is re-routed");
    }
    for (const Referral& existing : plan.referrals) {
      if (existing.rerouted_from == first->referral_id) {
        return absl::FailedPreconditionError(
            absl::StrCat("reroutes_referral_id: already re-routed as ", existing.referral_id));
      }
    }
  } else if (plan.state == PlanState::kClosed) {
    return absl::FailedPreconditionError(
        "plan_id: the plan is closed; only re-routing a rejected or failed referral reopens it");
  }
  Referral referral = NewReferral(plan.plan_id, added.department, added.service, added.reason,
                                  AgreementOf(partner), clock_->Now());
  referral.rerouted_from = added.reroutes_referral_id;
  ReferralEvent& created = referral.history.front();
  created.actor = std::string(actor);
  created.actor_department = std::string(actor_department);
  created.note = added.reroutes_referral_id.empty()
                     ? "added to the plan"
                     : absl::StrCat("re-routes ", added.reroutes_referral_id);
  return referral;
}

}  // namespace lifeline::referral
