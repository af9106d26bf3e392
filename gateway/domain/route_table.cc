#include "gateway/domain/route_table.h"

#include <algorithm>
#include <optional>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace lifeline::gateway {

absl::StatusOr<size_t> RouteTable::Add(std::string_view method, std::string_view path_template) {
  if (method != "GET" && method != "POST" && method != "PUT" && method != "DELETE" &&
      method != "PATCH") {
    return absl::InvalidArgumentError(
        absl::StrCat("unsupported HTTP method \"", std::string(method), "\""));
  }
  absl::StatusOr<RouteTemplate> parsed = RouteTemplate::Parse(path_template);
  if (!parsed.ok()) return parsed.status();
  for (const Route& route : routes_) {
    if (route.method == method && route.path.SameShape(*parsed)) {
      return absl::AlreadyExistsError(absl::StrCat("route ", std::string(method), " ",
                                                   std::string(path_template), " collides with ",
                                                   route.path.text()));
    }
  }
  routes_.push_back(Route{std::string(method), *std::move(parsed)});
  return routes_.size() - 1;
}

RouteResolution RouteTable::Resolve(std::string_view method, std::string_view path) const {
  struct Candidate {
    size_t index;
    PathVars vars;
  };
  std::vector<Candidate> candidates;
  bool any_verb = false;
  for (size_t i = 0; i < routes_.size(); ++i) {
    std::optional<PathVars> vars = routes_[i].path.Match(path);
    if (!vars) continue;
    any_verb = any_verb || !routes_[i].path.verb().empty();
    candidates.push_back(Candidate{i, *std::move(vars)});
  }
  if (any_verb) {
    std::erase_if(candidates,
                  [this](const Candidate& c) { return routes_[c.index].path.verb().empty(); });
  }

  RouteResolution result;
  if (candidates.empty()) return result;

  const Candidate* best = nullptr;
  for (const Candidate& candidate : candidates) {
    if (routes_[candidate.index].method != method) continue;
    if (best == nullptr ||
        routes_[candidate.index].path.literal_count() > routes_[best->index].path.literal_count()) {
      best = &candidate;
    }
  }
  if (best != nullptr) {
    result.outcome = RouteResolution::Outcome::kFound;
    result.route = best->index;
    result.vars = best->vars;
    return result;
  }
  result.outcome = RouteResolution::Outcome::kMethodNotAllowed;
  for (const Candidate& candidate : candidates) {
    const std::string& allowed = routes_[candidate.index].method;
    if (std::find(result.allowed_methods.begin(), result.allowed_methods.end(), allowed) ==
        result.allowed_methods.end()) {
      result.allowed_methods.push_back(allowed);
    }
  }
  std::sort(result.allowed_methods.begin(), result.allowed_methods.end());
  return result;
}

}  // namespace lifeline::gateway
