// URL pieces the gateway needs: splitting a request target, percent-decoding and query strings.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lifeline::gateway {

// A request target split at the first '?'. Both parts are still percent-encoded.
struct SplitTargetResult {
  std::string_view path;
  std::string_view query;
};
SplitTargetResult SplitTarget(std::string_view target);

// Decodes %XX escapes. With `plus_is_space` (query strings) '+' becomes ' '. Returns nullopt on a
// truncated or non-hex escape.
std::optional<std::string> PercentDecode(std::string_view text, bool plus_is_space);

// Parses "a=1&b=x%20y&a=2" into decoded (name, value) pairs in order. A parameter without '='
// has an empty value; empty pieces ("a=1&&b=2") are skipped. Returns nullopt on a bad escape or a
// name or value that is not UTF-8 once decoded.
std::optional<std::vector<std::pair<std::string, std::string>>> ParseQuery(std::string_view query);

}  // namespace lifeline::gateway
