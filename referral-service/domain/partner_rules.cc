#include "referral-service/domain/partner_rules.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

#include "referral-service/domain/referral_state.h"

namespace lifeline::referral {

bool IsDepartmentCode(std::string_view code) {
  if (code.empty() || code.size() > 64) return false;
  if (!absl::ascii_islower(static_cast<unsigned char>(code.front()))) return false;
  if (code.back() == '_') return false;
  char previous = 0;
  for (char c : code) {
    bool ok = absl::ascii_islower(static_cast<unsigned char>(c)) ||
              absl::ascii_isdigit(static_cast<unsigned char>(c)) || c == '_';
    if (!ok) return false;
    if (c == '_' && previous == '_') return false;
    previous = c;
  }
  return true;
}

absl::Status ValidatePartner(const Partner& partner) {
  if (!IsDepartmentCode(partner.department)) {
    return absl::InvalidArgumentError(absl::StrCat("department: '", partner.department,
                                                   "' is not a lower_snake department code"));
  }
  if (absl::StripAsciiWhitespace(partner.display_name).empty()) {
    return absl::InvalidArgumentError("display_name: required");
  }
  switch (partner.channel) {
    case DeliveryChannel::kGrpc:
      if (absl::StripAsciiWhitespace(partner.inbox_target).empty()) {
        return absl::InvalidArgumentError("inbox_target: required for the gRPC channel");
      }
      break;
    case DeliveryChannel::kWebhook:
      // A signed referral carries personal data: never in clear text.
      if (!absl::StartsWith(partner.webhook_url, "https://") || partner.webhook_url.size() <= 8 ||
          partner.webhook_url.find_first_of(" \t\r\n") != std::string::npos) {
        return absl::InvalidArgumentError(
            "webhook_url: an https:// URL is required for the webhook channel");
      }
      break;
    case DeliveryChannel::kPolling:
      break;
    default:
      return absl::InvalidArgumentError("channel: unknown delivery channel");
  }
  if (partner.respond_within_days < 1 || partner.respond_within_days > 60) {
    return absl::InvalidArgumentError(
        absl::StrCat("respond_within_days: ", partner.respond_within_days, " is outside 1..60"));
  }
  // Later stages are due no earlier than the ones before them (0 takes the default).
  int before = partner.respond_within_days;
  for (const auto& [field, days] :
       {std::pair{"progress_within_days", partner.progress_within_days},
        std::pair{"complete_within_days", partner.complete_within_days}}) {
    if (days == 0) continue;
    if (days < before || days > 365) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ": ", days, " is outside ", before, "..365"));
    }
    before = days;
  }
  if (partner.reroute_after_days < 0 || partner.reroute_after_days > 60) {
    return absl::InvalidArgumentError(
        absl::StrCat("reroute_after_days: ", partner.reroute_after_days, " is outside 0..60"));
  }
  return absl::OkStatus();
}

std::string_view ChannelName(DeliveryChannel channel) {
  switch (channel) {
    case DeliveryChannel::kWebhook:
      return "webhook";
    case DeliveryChannel::kPolling:
      return "polling";
    default:
      return "grpc";
  }
}

namespace {

// The entry's fields as (name, text), in the order changes are described.
std::vector<std::pair<std::string, std::string>> Fields(const Partner& p) {
  return {{"display_name", absl::StrCat("'", p.display_name, "'")},
          {"inbox_target", absl::StrCat("'", p.inbox_target, "'")},
          {"respond_within_days", absl::StrCat(p.respond_within_days)},
          {"progress_within_days", absl::StrCat(p.progress_within_days)},
          {"complete_within_days", absl::StrCat(p.complete_within_days)},
          {"reroute_after_days", absl::StrCat(p.reroute_after_days)},
          {"channel", std::string(ChannelName(p.channel))},
          {"webhook_url", absl::StrCat("'", p.webhook_url, "'")},
          {"enabled", p.enabled ? "true" : "false"}};
}

}  // namespace

std::string DescribeChange(const std::optional<Partner>& before,
                           const std::optional<Partner>& after) {
  if (!after.has_value()) return before.has_value() ? "removed" : "";
  std::vector<std::string> parts;
  const auto new_fields = Fields(*after);
  if (!before.has_value()) {
    for (const auto& [name, value] : new_fields) parts.push_back(absl::StrCat(name, " ", value));
  } else {
    const auto old_fields = Fields(*before);
    for (size_t i = 0; i < new_fields.size(); ++i) {
      if (old_fields[i].second != new_fields[i].second) {
        parts.push_back(absl::StrCat(new_fields[i].first, " ", old_fields[i].second, " -> ",
                                     new_fields[i].second));
      }
    }
  }
  return absl::StrJoin(parts, "; ");
}

absl::Status CheckPartnerRemovable(std::string_view department,
                                   const std::vector<ReferralCount>& counts) {
  int64_t open = 0;
  for (const ReferralCount& count : counts) {
    if (!IsFinal(count.state)) open += count.count;
  }
  if (open > 0) {
    return absl::FailedPreconditionError(absl::StrCat("department: '", std::string(department),
                                                      "' still has ", open, " open referrals"));
  }
  return absl::OkStatus();
}

}  // namespace lifeline::referral
