// The suggested assistance amount of a clue (DOMAIN.md "Amount"): the region's previous-year
// average monthly wage times the months the category, the hardship level and the special groups
// give, within the local floor and a cap of max_months' wage that is never above the unpaid award
// or the loss. Every step is a line of the rationale a reviewer sees. Deterministic, no I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/civil_time.h"

#include "match-service/domain/clue.h"
#include "match-service/domain/eligibility_rules.h"

namespace lifeline::match {

// What the amount of one clue depends on.
struct AmountFacts {
  Category category = Category::kUnspecified;
  // The case's handling unit's division code.
  std::string region_code;
  // The clue's hardship weights, summed.
  double hardship_weight = 0;
  // Special groups the data shows ("minor", "disability", "women_difficulty", "veteran"); groups
  // without uplift_months are ignored.
  std::vector<std::string> groups;
  // What a judgment awarded and is still unpaid, when one is on record.
  std::optional<int64_t> unpaid_fen;
  // The property loss (property-loss clues).
  std::optional<int64_t> loss_fen;
};

// Returns the suggested amount of a clue decided on `today`.
AmountRange SuggestAmount(const AmountFacts& facts, const EligibilityRules& rules,
                          absl::CivilDay today);

// "8640.00" for 864000 fen.
std::string YuanText(int64_t fen);

}  // namespace lifeline::match
