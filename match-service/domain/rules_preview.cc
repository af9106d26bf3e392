#include "match-service/domain/rules_preview.h"

#include <algorithm>
#include <utility>

namespace lifeline::match {
namespace {

using Kind = PreviewChange::Kind;

std::string City(const std::string& region_code) { return region_code.substr(0, 4); }

void Record(PreviewChange change, RulesPreview* preview) {
  preview->total.Add(change.kind);
  preview->groups[{change.category, City(change.region_code)}].Add(change.kind);
  const auto same_kind =
      std::count_if(preview->examples.begin(), preview->examples.end(),
                    [&](const PreviewChange& example) { return example.kind == change.kind; });
  if (same_kind < RulesPreview::kExamplesPerKind) preview->examples.push_back(std::move(change));
}

}  // namespace

void PreviewCounts::Add(PreviewChange::Kind kind) {
  switch (kind) {
    case Kind::kAdded:
      ++added;
      break;
    case Kind::kDropped:
      ++dropped;
      break;
    case Kind::kTierUp:
      ++tier_up;
      break;
    case Kind::kTierDown:
      ++tier_down;
      break;
    case Kind::kAmount:
      ++amount_changed;
      break;
  }
}

void ComparePerson(const std::vector<StoredClue>& before, const std::vector<ClueCandidate>& after,
                   const EligibilityRules& before_rules, const EligibilityRules& after_rules,
                   RulesPreview* preview) {
  ++preview->persons_scored;
  std::map<std::pair<std::string, Category>, const StoredClue*> unmatched;
  for (const StoredClue& clue : before) unmatched[{clue.case_number, clue.category}] = &clue;
  for (const ClueCandidate& candidate : after) {
    PreviewChange change;
    change.case_number = candidate.case_number;
    change.category = candidate.category;
    change.region_code = candidate.region_code;
    change.score_after = candidate.score;
    change.tier_after = after_rules.TierOf(candidate.score);
    change.point_fen_after = candidate.suggested_amount.point_fen;
    const bool excluded_after = !candidate.exclusions.empty();
    auto it = unmatched.find({candidate.case_number, candidate.category});
    if (it == unmatched.end()) {
      if (excluded_after) continue;  // a new excluded candidate is no clue
      change.kind = Kind::kAdded;
      Record(std::move(change), preview);
      continue;
    }
    const StoredClue& clue = *it->second;
    unmatched.erase(it);
    if (IsDecided(clue.status)) continue;
    change.clue_id = clue.clue_id;
    change.score_before = clue.score;
    change.tier_before = before_rules.TierOf(clue.score);
    change.point_fen_before = clue.point_fen;
    // An excluded or withdrawn clue is no clue.
    const bool excluded_before =
        clue.status == ClueStatus::kExcluded || clue.status == ClueStatus::kWithdrawn;
    if (excluded_before != excluded_after) {
      change.kind = excluded_after ? Kind::kDropped : Kind::kAdded;
    } else if (excluded_after) {
      continue;  // stays an excluded candidate
    } else if (change.tier_after != change.tier_before) {
      change.kind = change.tier_after > change.tier_before ? Kind::kTierUp : Kind::kTierDown;
    } else if (change.point_fen_after != change.point_fen_before) {
      change.kind = Kind::kAmount;
    } else {
      continue;
    }
    Record(std::move(change), preview);
  }
  for (const auto& [key, clue] : unmatched) {
    if (IsDecided(clue->status) || clue->status == ClueStatus::kExcluded ||
        clue->status == ClueStatus::kWithdrawn) {
      continue;
    }
    PreviewChange change;
    change.kind = Kind::kDropped;
    change.clue_id = clue->clue_id;
    change.case_number = clue->case_number;
    change.category = clue->category;
    change.region_code = clue->region_code;
    change.score_before = clue->score;
    change.tier_before = before_rules.TierOf(clue->score);
    change.point_fen_before = clue->point_fen;
    Record(std::move(change), preview);
  }
}

}  // namespace lifeline::match
