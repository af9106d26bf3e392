// The set of (HTTP method, path template) routes and resolution of a request to one of them.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

#include "gateway/domain/route_template.h"

namespace lifeline::gateway {

// Result of resolving a request. For kFound, `route` is the index returned by Add and `vars` the
// decoded path variables; for kMethodNotAllowed, `allowed_methods` lists the methods the path
// does accept.
struct RouteResolution {
  enum class Outcome { kFound, kNotFound, kMethodNotAllowed };
  Outcome outcome = Outcome::kNotFound;
  size_t route = 0;
  PathVars vars;
  std::vector<std::string> allowed_methods;
};

// Routes keyed by method and template. Fill it at startup with Add, then only Resolve, which is
// safe from many threads at once.
//
// Precedence when several templates match a path: a template with a ":verb" beats one without
// (so "POST /v1/clues/{clue_id}:review" is never read as clue id "x:review" of
// "GET /v1/clues/{clue_id}"), then the template with more literal segments wins.
class RouteTable {
 public:
  // Adds a route and returns its index (0, 1, ...). `method` is GET, POST, PUT, DELETE or PATCH.
  // Errors: InvalidArgument (bad method or template), AlreadyExists (same method and shape as an
  // earlier route).
  absl::StatusOr<size_t> Add(std::string_view method, std::string_view path_template);

  // Resolves a request path (percent-encoded, without the query) and method.
  RouteResolution Resolve(std::string_view method, std::string_view path) const;

  const RouteTemplate& route_template(size_t index) const { return routes_[index].path; }
  const std::string& method(size_t index) const { return routes_[index].method; }
  size_t size() const { return routes_.size(); }

 private:
  struct Route {
    std::string method;
    RouteTemplate path;
  };
  std::vector<Route> routes_;
};

}  // namespace lifeline::gateway
