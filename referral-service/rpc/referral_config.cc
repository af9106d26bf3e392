#include "referral-service/rpc/referral_config.h"

#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"

#include "common/config/yaml_proto.h"
#include "common/status/status_macros.h"
#include "common/time/dates.h"
#include "referral-service/domain/partner_rules.h"
#include "referral-service/rpc/referral_mapping.h"

namespace lifeline::referral {

absl::StatusOr<Router> RouterFromConfig(const lifeline::referral::v1::RoutingConfig& config) {
  std::vector<RouteRule> rules;
  for (const auto& route : config.routes()) {
    rules.push_back({route.need(), route.department(), route.service(), route.reason()});
  }
  return Router::Create(std::move(rules));
}

namespace {

// Reads the YAML file at `path` as a `Config` and builds the domain object with `build`, whose
// errors are prefixed with the path. Errors: NotFound, InvalidArgument.
template <typename Config, typename Build>
auto LoadConfig(const std::string& path, Build build) -> decltype(build(Config())) {
  Config config;
  RETURN_IF_ERROR(common::LoadYamlProto(path, &config));
  auto built = build(config);
  if (!built.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": ", built.status().message()));
  }
  return built;
}

}  // namespace

absl::StatusOr<Router> LoadRouter(const std::string& path) {
  return LoadConfig<lifeline::referral::v1::RoutingConfig>(path, RouterFromConfig);
}

absl::StatusOr<std::vector<Partner>> LoadPartnerDirectory(const std::string& path) {
  lifeline::referral::v1::PartnerDirectory directory;
  RETURN_IF_ERROR(common::LoadYamlProto(path, &directory));
  std::vector<Partner> partners;
  std::set<std::string> seen;
  for (int i = 0; i < directory.partners_size(); ++i) {
    Partner partner = FromProto(directory.partners(i));
    if (absl::Status status = ValidatePartner(partner); !status.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": partners[", i, "].", status.message()));
    }
    if (!seen.insert(partner.department).second) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": partners[", i, "].department: '",
                                                     partner.department, "' is repeated"));
    }
    partners.push_back(std::move(partner));
  }
  return partners;
}

absl::StatusOr<WorkingCalendar> CalendarFromConfig(
    const lifeline::referral::v1::WorkingCalendarConfig& config) {
  std::vector<CalendarYear> years;
  for (int i = 0; i < config.years_size(); ++i) {
    const auto& entry = config.years(i);
    const std::string where = absl::StrCat("years[", i, "] (", entry.year(), ")");
    CalendarYear year;
    year.year = entry.year();
    for (int h = 0; h < entry.holidays_size(); ++h) {
      const std::string field = absl::StrCat(where, ".holidays[", h, "]");
      const std::string& text = entry.holidays(h);
      const size_t dots = text.find("..");
      ASSIGN_OR_RETURN(const absl::CivilDay first, common::ParseDate(text.substr(0, dots), field));
      absl::CivilDay last = first;
      if (dots != std::string::npos) {
        ASSIGN_OR_RETURN(last, common::ParseDate(text.substr(dots + 2), field));
        if (last < first || last.year() != first.year()) {
          return absl::InvalidArgumentError(
              absl::StrCat(field, ": a period must run forward within one year"));
        }
      }
      for (absl::CivilDay day = first; day <= last; ++day) year.holidays.push_back(day);
    }
    for (int w = 0; w < entry.working_weekends_size(); ++w) {
      ASSIGN_OR_RETURN(const absl::CivilDay day,
                       common::ParseDate(entry.working_weekends(w),
                                         absl::StrCat(where, ".working_weekends[", w, "]")));
      year.working_weekends.push_back(day);
    }
    years.push_back(std::move(year));
  }
  return WorkingCalendar::Create(years);
}

absl::StatusOr<WorkingCalendar> LoadWorkingCalendar(const std::string& path) {
  return LoadConfig<lifeline::referral::v1::WorkingCalendarConfig>(path, CalendarFromConfig);
}

}  // namespace lifeline::referral
