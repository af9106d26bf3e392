// Loading referral-service's rule files (YAML whose schema is lifeline.referral.v1 config
// messages) into domain objects.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"

#include "lifeline/referral/v1/referral_config.pb.h"
#include "referral-service/domain/referral.h"
#include "referral-service/domain/router.h"
#include "referral-service/domain/working_days.h"

namespace lifeline::referral {

// Builds a Router from a routing config. Errors: InvalidArgument naming the bad row.
absl::StatusOr<Router> RouterFromConfig(const lifeline::referral::v1::RoutingConfig& config);

// Reads config/referral.yaml. Errors: NotFound, InvalidArgument (syntax, unknown key, bad row).
absl::StatusOr<Router> LoadRouter(const std::string& path);

// Reads config/partners.yaml and validates every entry. Errors: NotFound, InvalidArgument
// (syntax, unknown key, invalid or duplicate department).
absl::StatusOr<std::vector<Partner>> LoadPartnerDirectory(const std::string& path);

// Builds the working-day calendar from its config. Errors: InvalidArgument naming the bad year
// and entry (a malformed date or period, a period running backwards or into another year, and
// WorkingCalendar::Create's).
absl::StatusOr<WorkingCalendar> CalendarFromConfig(
    const lifeline::referral::v1::WorkingCalendarConfig& config);

// Reads config/holidays.yaml. Errors: NotFound, InvalidArgument (syntax, unknown key, bad entry).
absl::StatusOr<WorkingCalendar> LoadWorkingCalendar(const std::string& path);

}  // namespace lifeline::referral
