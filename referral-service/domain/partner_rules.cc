#include "referral-service/domain/partner_rules.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

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
  if (absl::StripAsciiWhitespace(partner.inbox_target).empty()) {
    return absl::InvalidArgumentError("inbox_target: required");
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
