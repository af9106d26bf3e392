// Path templates of google.api.http rules and matching request paths against them.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace lifeline::gateway {

// Path variables of a matched request, in template order: (field path, decoded value).
using PathVars = std::vector<std::pair<std::string, std::string>>;

// Returns the value of variable `name` in `vars`, or nullopt.
std::optional<std::string_view> FindVar(const PathVars& vars, std::string_view name);

// A parsed path template such as "/v1/agencies/{agency}/batches", "/v1/clues/{clue_id}:review"
// or "/v1/partners/{partner.department}": literal segments, single-segment variables naming a
// (possibly nested) request field, and an optional ":verb" after the last segment. The wildcard
// forms "*", "**" and "{x=pattern}" are not used by Lifeline's protos and are rejected. Immutable;
// safe to share between threads.
class RouteTemplate {
 public:
  // Parses `text`. Errors: InvalidArgument naming what is wrong with the template.
  static absl::StatusOr<RouteTemplate> Parse(std::string_view text);

  // Matches a request path that is still percent-encoded. One trailing '/' is ignored, so
  // "/v1/clues/" matches "/v1/clues". Variable values are percent-decoded ("%2F" becomes '/',
  // '+' stays '+') and must not be empty. Returns nullopt when the path does not match or a
  // variable holds a malformed escape.
  std::optional<PathVars> Match(std::string_view path) const;

  const std::string& text() const { return text_; }
  const std::string& verb() const { return verb_; }
  // Field paths of the variables, in order ("agency", "partner.department").
  std::vector<std::string> variables() const;
  int literal_count() const;
  // True when both templates match exactly the same paths.
  bool SameShape(const RouteTemplate& other) const;

 private:
  struct Segment {
    bool is_variable = false;
    std::string value;  // literal text or field path
  };
  RouteTemplate() = default;

  std::string text_;
  std::vector<Segment> segments_;
  std::string verb_;
};

}  // namespace lifeline::gateway
