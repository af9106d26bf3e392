// Chooses a plan's referrals from the needs seen in the data (config/referral.yaml).
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace lifeline::referral {

// The need code of routes that apply to every plan.
inline constexpr char kEveryPlanNeed[] = "every_plan";

// One row of the routing table.
struct RouteRule {
  std::string need;
  std::string department;
  std::string service;
  std::string reason;
};

// A referral the router chose.
struct RoutedReferral {
  std::string department;
  std::string service;
  std::string reason;
};

// Maps needs to departments. Immutable after Create, so thread-safe.
class Router {
 public:
  // Validates the table. Errors: InvalidArgument naming the row when a need or service is
  // empty or a department code is not lower_snake.
  static absl::StatusOr<Router> Create(std::vector<RouteRule> rules);

  // Returns one referral per department whose row matches one of `needs` or applies to every
  // plan, in table order; when several rows name the same department, the first wins.
  std::vector<RoutedReferral> Route(const std::vector<std::string>& needs) const;

  // Returns the needs (deduplicated, in input order) that no row of the table names.
  std::vector<std::string> UnknownNeeds(const std::vector<std::string>& needs) const;

  const std::vector<RouteRule>& rules() const { return rules_; }

 private:
  explicit Router(std::vector<RouteRule> rules) : rules_(std::move(rules)) {}
  std::vector<RouteRule> rules_;
};

}  // namespace lifeline::referral
