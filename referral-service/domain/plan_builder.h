// Builds a new "1+N" plan from an approved clue: routes its needs to departments and sets each
// referral's response deadline.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

#include "common/time/dates.h"
#include "referral-service/domain/deadlines.h"
#include "referral-service/domain/id_generator.h"
#include "referral-service/domain/referral.h"
#include "referral-service/domain/router.h"
#include "referral-service/domain/working_days.h"

namespace lifeline::referral {

// Thread-safe if the clock, the id generator and the lookup are.
class PlanBuilder {
 public:
  // Returns a department's directory entry, or nullopt when it is not in the directory.
  using PartnerLookup = std::function<std::optional<Partner>(const std::string& department)>;

  // `calendar` counts the working days of deadlines; null: Monday to Friday.
  PlanBuilder(const Router* router, const common::Clock* clock, IdGenerator* ids,
              const WorkingCalendar* calendar = nullptr)
      : router_(router), clock_(clock), ids_(ids), calendar_(calendar) {}

  // Returns a plan with one REQUESTED referral per routed department, each with the stage
  // deadlines of its department's agreement (AgreementOf its directory entry, the defaults when
  // it has none; on the calendar, public holidays and working weekends counted) from today and
  // with its
  // initial event (actor: approved_by, else "referral-service"); the plan is OPEN, or CLOSED
  // when no department was routed. Nothing is stored. Errors: InvalidArgument when clue_id or
  // person.person_id is missing or the amount is negative.
  absl::StatusOr<Plan> Build(const PlanRequest& request, const PartnerLookup& lookup) const;

  // What a procurator asks to add to a plan.
  struct AddedReferral {
    std::string department;
    std::string service;
    std::string reason;
    std::string reroutes_referral_id;  // optional
  };
  // Returns the referral to add to `plan` (REQUESTED, with the deadlines of `partner`'s
  // agreement from today, its initial event by `actor` for `actor_department`), once the plan
  // allows it: open, or re-routing a REJECTED or FAILED referral of the plan not re-routed
  // already (a closed plan then reopens; the store does that). Nothing is stored. Errors:
  // InvalidArgument (missing department, service or reason; the department of an open referral
  // of the plan; a re-routed referral of another plan), NotFound (the re-routed referral),
  // FailedPrecondition (closed plan without re-routing, a referral not rejected or failed, or
  // re-routed already).
  absl::StatusOr<Referral> BuildAdded(const Plan& plan, const AddedReferral& added,
                                      const Partner& partner, std::string_view actor,
                                      std::string_view actor_department) const;

 private:
  // A REQUESTED referral of `plan_id` with the deadlines of `agreement` from the day of `now`,
  // with its initial event (no actor yet: the caller names it).
  Referral NewReferral(const std::string& plan_id, const std::string& department,
                       const std::string& service, const std::string& reason,
                       const Agreement& agreement, absl::Time now) const;

  const Router* router_;
  const common::Clock* clock_;
  IdGenerator* ids_;
  const WorkingCalendar* calendar_;
};

}  // namespace lifeline::referral
