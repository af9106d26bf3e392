#include "match-service/domain/suggested_amount.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <string>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace lifeline::match {
namespace {

std::string MonthsText(double months) { return absl::StrFormat("%g", months); }

// "1 month", "2.5 months".
std::string Months(double months) {
  return absl::StrCat(MonthsText(months), months == 1 ? " month" : " months");
}

const char* CategoryWord(Category category) {
  switch (category) {
    case Category::kSeriousInjury:
      return "serious injury";
    case Category::kUrgentTreatment:
      return "urgent treatment";
    case Category::kDependantOfDeceased:
      return "dependant of a killed victim";
    case Category::kPropertyLoss:
      return "major property loss";
    case Category::kCivilTort:
      return "traffic accident or civil tort";
    case Category::kUnspecified:
      break;
  }
  return "no category";
}

}  // namespace

std::string YuanText(int64_t fen) {
  const char* sign = fen < 0 ? "-" : "";
  const int64_t magnitude = std::llabs(fen);
  return absl::StrFormat("%s%d.%02d", sign, magnitude / 100, magnitude % 100);
}

WageChoice EligibilityRules::WageFor(std::string_view region_code, int32_t decision_year) const {
  const int32_t wage_year = decision_year - 1;
  const WageRow* best = nullptr;
  for (const WageRow& row : wages) {
    if (!region_code.starts_with(row.region) || row.year > wage_year) continue;
    if (best == nullptr || row.region.size() > best->region.size() ||
        (row.region.size() == best->region.size() && row.year > best->year)) {
      best = &row;
    }
  }
  if (best == nullptr) return WageChoice{monthly_wage_fen, "", 0};
  return WageChoice{best->monthly_wage_fen, best->region, best->year};
}

double EligibilityRules::MonthsFor(Category category) const {
  switch (category) {
    case Category::kSeriousInjury:
      return serious_injury_months;
    case Category::kUrgentTreatment:
      return urgent_treatment_months;
    case Category::kDependantOfDeceased:
      return dependant_of_deceased_months;
    case Category::kPropertyLoss:
      return property_loss_months;
    case Category::kCivilTort:
      return civil_tort_months;
    case Category::kUnspecified:
      break;
  }
  return 0;
}

AmountRange SuggestAmount(const AmountFacts& facts, const EligibilityRules& rules,
                          absl::CivilDay today) {
  AmountRange out;
  const int32_t decision_year = static_cast<int32_t>(today.year());
  const WageChoice wage = rules.WageFor(facts.region_code, decision_year);
  const std::string region = facts.region_code.empty() ? "unknown" : facts.region_code;
  std::string source;
  if (wage.year == 0) {
    source = absl::StrCat("default: no wage row for region ", region, " up to ", decision_year - 1);
  } else if (wage.year == decision_year - 1) {
    source = absl::StrCat("region ", wage.region, ", ", wage.year);
  } else {
    source =
        absl::StrCat("region ", wage.region, ", ", wage.year, ": no row for ", decision_year - 1);
  }
  out.rationale.push_back(
      absl::StrCat("monthly wage ", YuanText(wage.monthly_wage_fen), " yuan (", source, ")"));

  double months = rules.MonthsFor(facts.category);
  out.rationale.push_back(absl::StrCat(Months(months), ": ", CategoryWord(facts.category)));
  if (facts.hardship_weight >= rules.extreme_hardship_weight) {
    months += rules.extreme_hardship_months;
    out.rationale.push_back(absl::StrCat(
        "+", MonthsText(rules.extreme_hardship_months), " months: extreme hardship (weight ",
        MonthsText(facts.hardship_weight), " >= ", MonthsText(rules.extreme_hardship_weight), ")"));
  } else if (facts.hardship_weight >= rules.very_hardship_weight) {
    months += rules.very_hardship_months;
    out.rationale.push_back(absl::StrCat(
        "+", MonthsText(rules.very_hardship_months), " months: very hardship (weight ",
        MonthsText(facts.hardship_weight), " >= ", MonthsText(rules.very_hardship_weight), ")"));
  }
  for (const std::string& group : facts.groups) {
    auto it = rules.uplift_months.find(group);
    if (it == rules.uplift_months.end() || it->second <= 0) continue;
    months += it->second;
    out.rationale.push_back(absl::StrCat("+", Months(it->second), ": ", group));
  }
  if (months > rules.max_months) {
    months = rules.max_months;
    out.rationale.push_back(absl::StrCat("at most ", rules.max_months, " months"));
  }
  int64_t point = std::llround(static_cast<double>(wage.monthly_wage_fen) * months);
  out.rationale.push_back(absl::StrCat("= ", Months(months), " x ", YuanText(wage.monthly_wage_fen),
                                       " = ", YuanText(point), " yuan"));

  int64_t cap = wage.monthly_wage_fen * rules.max_months;
  std::string cap_reason = absl::StrCat(rules.max_months, " months' wage");
  if (facts.unpaid_fen.has_value() && *facts.unpaid_fen < cap) {
    cap = std::max<int64_t>(0, *facts.unpaid_fen);
    cap_reason = "the unpaid award";
  }
  if (facts.loss_fen.has_value() && *facts.loss_fen < cap) {
    cap = std::max<int64_t>(0, *facts.loss_fen);
    cap_reason = "the loss";
  }
  out.max_fen = cap;
  out.min_fen = std::min(rules.floor_fen, cap);
  if (point > cap) {
    point = cap;
    out.rationale.push_back(absl::StrCat("capped at ", YuanText(cap), " yuan (", cap_reason, ")"));
  } else if (point < out.min_fen) {
    point = out.min_fen;
    out.rationale.push_back(absl::StrCat("raised to the floor ", YuanText(point), " yuan"));
  }
  out.point_fen = point;
  out.rationale.push_back(absl::StrCat("range ", YuanText(out.min_fen), " to ", YuanText(cap),
                                       " yuan (cap: ", cap_reason, ")"));
  return out;
}

}  // namespace lifeline::match
