// Builds a new "1+N" plan from an approved clue: routes its needs to departments and sets each
// referral's response deadline.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "absl/status/statusor.h"

#include "common/time/dates.h"
#include "referral-service/domain/id_generator.h"
#include "referral-service/domain/referral.h"
#include "referral-service/domain/router.h"

namespace lifeline::referral {

// Working days a department has to respond when it is not (yet) in the directory.
inline constexpr int kDefaultRespondWithinDays = 5;

// Thread-safe if the clock, the id generator and the lookup are.
class PlanBuilder {
 public:
  // Returns a department's directory entry, or nullopt when it is not in the directory.
  using PartnerLookup = std::function<std::optional<Partner>(const std::string& department)>;

  PlanBuilder(const Router* router, const common::Clock* clock, IdGenerator* ids)
      : router_(router), clock_(clock), ids_(ids) {}

  // Returns a plan with one REQUESTED referral per routed department, each due
  // `respond_within_days` working days (from the directory, default 5) after today and with its
  // initial event (actor: approved_by, else "referral-service"); the plan is OPEN, or CLOSED
  // when no department was routed. Nothing is stored. Errors: InvalidArgument when clue_id or
  // person.person_id is missing or the amount is negative.
  absl::StatusOr<Plan> Build(const PlanRequest& request, const PartnerLookup& lookup) const;

 private:
  const Router* router_;
  const common::Clock* clock_;
  IdGenerator* ids_;
};

}  // namespace lifeline::referral
