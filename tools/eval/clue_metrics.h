// How well Lifeline's clues (clues.csv) find the persons the truth says are eligible.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"

#include "tools/eval/truth.h"

namespace lifeline::eval {

// Recall within one eligibility category.
struct CategoryRecall {
  std::string category;
  int64_t eligible = 0;       // eligible.csv rows of this category
  int64_t found = 0;          // ... whose person has a correct clue
  int64_t same_category = 0;  // ... whose person has a clue of this very category
  double recall() const;
};

// The evaluation of Lifeline's clues.
struct ClueReport {
  int64_t clues = 0;
  int64_t true_positives = 0;   // clues on an eligible person
  int64_t false_positives = 0;  // clues on a person the truth does not list as eligible
  // Clues whose Lifeline person has no link to a truth record: neither right nor wrong, but
  // counted against precision.
  int64_t unmapped = 0;
  // Correct clues beyond the first for the same true person (a person split in two, or a
  // person eligible twice).
  int64_t duplicate_true_positives = 0;
  int64_t eligible_persons = 0;             // distinct persons in eligible.csv
  int64_t found_persons = 0;                // ... with at least one correct clue
  std::vector<CategoryRecall> by_category;  // in EligibleCategories() order
  // False positives on a planted near miss, by reason: the dangerous ones. A person with two
  // near-miss reasons counts under both.
  std::map<std::string, int64_t> near_miss_false_positives;
  // False positives on a person who is neither eligible nor a near miss.
  int64_t other_false_positives = 0;

  double precision() const;  // true_positives / clues; 0 without clues
  double recall() const;     // found_persons / eligible_persons; 0 without eligible persons
};

// Maps each Lifeline person of `links` to the true person most of its linked records are about
// (ties go to the lexicographically smallest true person id). Links to records the truth does not
// list are ignored; a Lifeline person with no other link is absent from the map.
absl::flat_hash_map<std::string, std::string> MapPersonsToTruth(const Truth& truth,
                                                                const std::vector<Link>& links);

// Evaluates `clues`, mapping their persons to true persons through `links`.
ClueReport EvaluateClues(const Truth& truth, const std::vector<Link>& links,
                         const std::vector<ClueRow>& clues);

}  // namespace lifeline::eval
