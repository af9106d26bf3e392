// Two naive ways to link agency records, computed from the truth records alone, so that
// Lifeline's linkage figures can be read against what a plain database join would achieve.
#pragma once

#include <string>

#include "tools/eval/pair_metrics.h"
#include "tools/eval/truth.h"

namespace lifeline::eval {

// The pairwise evaluation of both baselines.
struct BaselineReport {
  // Exact join on the normalized ID number (repaired, upgraded from 15 digits).
  PairMetrics id_number;
  // Exact join on the normalized name plus the birth date.
  PairMetrics name_birth;
};

// Returns the ID-number join key of `record`: the canonical 18-character number when
// common::ParseIdNumber finds no problem, "" (unjoinable) otherwise.
std::string IdNumberJoinKey(const TruthRecord& record);

// Returns the name + birth date join key of `record`: the name after NFKC with whitespace,
// invisible characters and middle dots removed (what published models do; no traditional →
// simplified) with the birth date, taken from the record's birth_date when it is a real YYYY-MM-DD
// date, else from a valid ID number. "" (unjoinable) when the name normalizes to nothing or no
// birth date is known.
std::string NameBirthJoinKey(const TruthRecord& record);

// Evaluates both baselines over every record of `truth`.
BaselineReport EvaluateBaselines(const Truth& truth);

}  // namespace lifeline::eval
