// What a change of eligibility rules would do to the clues, found by scoring every person with
// both and written nowhere (DOMAIN.md: a rule change is previewed before it applies). Pure;
// not thread-safe (one preview is filled by one thread).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "match-service/domain/clue.h"
#include "match-service/domain/clue_reconciler.h"
#include "match-service/domain/eligibility_rules.h"

namespace lifeline::match {

// One change a preview found.
struct PreviewChange {
  enum class Kind { kAdded, kDropped, kTierUp, kTierDown, kAmount };
  Kind kind = Kind::kAdded;
  std::string clue_id;  // "" for an added clue
  std::string case_number;
  Category category = Category::kUnspecified;
  std::string region_code;
  double score_before = 0;
  double score_after = 0;
  Tier tier_before = Tier::kUnspecified;
  Tier tier_after = Tier::kUnspecified;
  int64_t point_fen_before = 0;
  int64_t point_fen_after = 0;
};

// Counts of one kind of change.
struct PreviewCounts {
  int added = 0;
  int dropped = 0;
  int tier_up = 0;
  int tier_down = 0;
  // Clues that stay, in the same tier, with another suggested amount.
  int amount_changed = 0;
  void Add(PreviewChange::Kind kind);
};

struct RulesPreview {
  int persons_scored = 0;
  PreviewCounts total;
  // By category and city (the region's first 4 digits; "" without a region).
  std::map<std::pair<Category, std::string>, PreviewCounts> groups;
  // Up to kExamplesPerKind changes of each kind, in the order found.
  std::vector<PreviewChange> examples;
  static constexpr int kExamplesPerKind = 5;
};

// Adds what scoring one person under `after_rules` (giving `after`) changes against their stored
// clues `before` (scored under `before_rules`): a clue is added (a new candidate without
// exclusions, or an excluded one freed of them), dropped (withdrawn, or now excluded), moves tier
// (thresholds or score) or keeps its tier with another amount. Approved and rejected clues never
// change.
void ComparePerson(const std::vector<StoredClue>& before, const std::vector<ClueCandidate>& after,
                   const EligibilityRules& before_rules, const EligibilityRules& after_rules,
                   RulesPreview* preview);

}  // namespace lifeline::match
