#include "gateway/domain/route_template.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

#include "gateway/domain/text.h"
#include "gateway/domain/url.h"

namespace lifeline::gateway {
namespace {

bool IsIdentStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool IsIdentChar(char c) { return IsIdentStart(c) || (c >= '0' && c <= '9'); }

// True for "a", "a_b", "partner.department".
bool IsFieldPath(std::string_view path) {
  for (std::string_view part : SplitText(path, '.')) {
    if (part.empty() || !IsIdentStart(part.front())) return false;
    for (char c : part) {
      if (!IsIdentChar(c)) return false;
    }
  }
  return true;
}

bool IsLiteral(std::string_view segment) {
  if (segment.empty()) return false;
  for (char c : segment) {
    if (c == '{' || c == '}' || c == '*' || c == '=' || c == ':' || c == '?' || c == '#') {
      return false;
    }
  }
  return true;
}

}  // namespace

std::optional<std::string_view> FindVar(const PathVars& vars, std::string_view name) {
  for (const auto& [key, value] : vars) {
    if (key == name) return std::string_view(value);
  }
  return std::nullopt;
}

absl::StatusOr<RouteTemplate> RouteTemplate::Parse(std::string_view text) {
  const std::string quoted = absl::StrCat("path template \"", std::string(text), "\"");
  if (text.size() < 2 || text.front() != '/') {
    return absl::InvalidArgumentError(
        absl::StrCat(quoted, " must start with '/' and not be empty"));
  }
  RouteTemplate parsed;
  parsed.text_ = std::string(text);
  std::string_view rest = text.substr(1);

  // The verb follows the last ':' of the last segment, outside any braces.
  const size_t last_slash = rest.rfind('/');
  const size_t last_start = last_slash == std::string_view::npos ? 0 : last_slash + 1;
  const size_t close = rest.find('}', last_start);
  const size_t colon = rest.find(':', close == std::string_view::npos ? last_start : close);
  if (colon != std::string_view::npos) {
    parsed.verb_ = std::string(rest.substr(colon + 1));
    rest = rest.substr(0, colon);
    if (!IsLiteral(parsed.verb_) || parsed.verb_.find('/') != std::string::npos) {
      return absl::InvalidArgumentError(absl::StrCat(quoted, " has an invalid verb"));
    }
  }

  for (std::string_view segment : SplitText(rest, '/')) {
    Segment parsed_segment;
    if (!segment.empty() && segment.front() == '{') {
      if (segment.size() < 3 || segment.back() != '}') {
        return absl::InvalidArgumentError(absl::StrCat(quoted, " has an unterminated variable"));
      }
      const std::string_view field = segment.substr(1, segment.size() - 2);
      if (!IsFieldPath(field)) {
        return absl::InvalidArgumentError(
            absl::StrCat(quoted, " has an unsupported variable \"", std::string(field),
                         "\" (only {field} and {message.field} are supported)"));
      }
      parsed_segment.is_variable = true;
      parsed_segment.value = std::string(field);
    } else if (IsLiteral(segment)) {
      parsed_segment.value = std::string(segment);
    } else {
      return absl::InvalidArgumentError(absl::StrCat(
          quoted, " has an empty or unsupported segment \"", std::string(segment), "\""));
    }
    parsed.segments_.push_back(std::move(parsed_segment));
  }
  return parsed;
}

std::optional<PathVars> RouteTemplate::Match(std::string_view path) const {
  if (path.size() < 2 || path.front() != '/') return std::nullopt;
  std::string_view rest = path.substr(1);
  if (rest.back() == '/') rest.remove_suffix(1);
  if (rest.empty()) return std::nullopt;

  if (!verb_.empty()) {
    const size_t last_slash = rest.rfind('/');
    const size_t colon = rest.rfind(':');
    if (colon == std::string_view::npos ||
        (last_slash != std::string_view::npos && colon < last_slash) ||
        rest.substr(colon + 1) != verb_) {
      return std::nullopt;
    }
    rest = rest.substr(0, colon);
  }

  PathVars vars;
  size_t index = 0;
  for (std::string_view raw : SplitText(rest, '/')) {
    if (index >= segments_.size() || raw.empty()) return std::nullopt;
    const Segment& segment = segments_[index++];
    if (segment.is_variable) {
      std::optional<std::string> decoded = PercentDecode(raw, /*plus_is_space=*/false);
      if (!decoded || decoded->empty()) return std::nullopt;
      vars.emplace_back(segment.value, std::move(*decoded));
    } else if (raw != segment.value) {
      return std::nullopt;
    }
  }
  if (index != segments_.size()) return std::nullopt;
  return vars;
}

std::vector<std::string> RouteTemplate::variables() const {
  std::vector<std::string> names;
  for (const Segment& segment : segments_) {
    if (segment.is_variable) names.push_back(segment.value);
  }
  return names;
}

int RouteTemplate::literal_count() const {
  int count = 0;
  for (const Segment& segment : segments_) {
    if (!segment.is_variable) ++count;
  }
  return count;
}

bool RouteTemplate::SameShape(const RouteTemplate& other) const {
  if (verb_ != other.verb_ || segments_.size() != other.segments_.size()) return false;
  for (size_t i = 0; i < segments_.size(); ++i) {
    const Segment& a = segments_[i];
    const Segment& b = other.segments_[i];
    if (a.is_variable != b.is_variable) return false;
    if (!a.is_variable && a.value != b.value) return false;
  }
  return true;
}

}  // namespace lifeline::gateway
