// Small std::string_view helpers. Debian's Abseil is built with its own absl::string_view, which
// does not convert from std::string_view, so the gateway uses these instead of absl/strings on
// views.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace lifeline::gateway {

// Splits at every `separator`, keeping empty pieces ("a//b" gives "a", "", "b").
std::vector<std::string_view> SplitText(std::string_view text, char separator);

// Removes leading and trailing ASCII whitespace.
std::string_view StripWhitespace(std::string_view text);

// Returns `text` with ASCII letters lower-cased.
std::string LowerAscii(std::string_view text);

// If `text` starts with `prefix`, removes it and returns true.
bool ConsumePrefix(std::string_view* text, std::string_view prefix);

}  // namespace lifeline::gateway
