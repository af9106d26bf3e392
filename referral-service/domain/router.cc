#include "referral-service/domain/router.h"

#include <algorithm>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"

#include "referral-service/domain/partner_rules.h"

namespace lifeline::referral {

absl::StatusOr<Router> Router::Create(std::vector<RouteRule> rules) {
  for (size_t i = 0; i < rules.size(); ++i) {
    const RouteRule& rule = rules[i];
    std::string row = absl::StrCat("routes[", i, "]");
    if (rule.need.empty()) return absl::InvalidArgumentError(absl::StrCat(row, ".need: empty"));
    if (!IsDepartmentCode(rule.department)) {
      return absl::InvalidArgumentError(absl::StrCat(row, ".department: '", rule.department,
                                                     "' is not a lower_snake department code"));
    }
    if (rule.service.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(row, ".service: empty"));
    }
  }
  return Router(std::move(rules));
}

std::vector<RoutedReferral> Router::Route(const std::vector<std::string>& needs) const {
  std::set<std::string> wanted(needs.begin(), needs.end());
  std::set<std::string> seen_departments;
  std::vector<RoutedReferral> out;
  for (const RouteRule& rule : rules_) {
    if (rule.need != kEveryPlanNeed && !wanted.contains(rule.need)) continue;
    if (!seen_departments.insert(rule.department).second) continue;
    out.push_back({rule.department, rule.service, rule.reason});
  }
  return out;
}

std::vector<std::string> Router::UnknownNeeds(const std::vector<std::string>& needs) const {
  std::vector<std::string> unknown;
  for (const std::string& need : needs) {
    bool known = std::any_of(rules_.begin(), rules_.end(),
                             [&need](const RouteRule& rule) { return rule.need == need; });
    if (!known && std::find(unknown.begin(), unknown.end(), need) == unknown.end()) {
      unknown.push_back(need);
    }
  }
  return unknown;
}

}  // namespace lifeline::referral
