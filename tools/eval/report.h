// `lifeline eval`: loads a truth directory and Lifeline's exports, evaluates linkage (against two
// naive baselines) and clues, and prints the figures as aligned tables.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>

#include "absl/status/statusor.h"

#include "tools/eval/baselines.h"
#include "tools/eval/clue_metrics.h"
#include "tools/eval/link_metrics.h"
#include "tools/eval/truth.h"

namespace lifeline::eval {

// What to evaluate. `links_path` and `clues_path` are optional ("" = not given); clues need links,
// which map Lifeline's persons to true persons.
struct EvalOptions {
  std::string truth_dir;
  std::string links_path;
  std::string clues_path;
};

// Sizes of the truth, for the report's first line.
struct TruthSummary {
  int64_t records = 0;
  int64_t agencies = 0;
  int64_t persons = 0;  // distinct true persons with at least one record
  int64_t eligible_rows = 0;
  int64_t eligible_persons = 0;
  int64_t near_misses = 0;
};

// Everything `lifeline eval` prints.
struct EvalReport {
  TruthSummary truth;
  BaselineReport baselines;
  std::optional<LinkReport> links;  // when links were given
  std::optional<ClueReport> clues;  // when clues were given
};

// Summarizes `truth`.
TruthSummary SummarizeTruth(const Truth& truth);

// Evaluates the baselines and, when given, Lifeline's links and clues.
// Errors: InvalidArgument when clues are given without links, or from LoadTruth, LoadLinks and
// LoadClues (NotFound, InvalidArgument naming the file and line).
absl::StatusOr<EvalReport> Evaluate(const EvalOptions& options);

// Prints `report` as aligned tables.
void PrintReport(const EvalReport& report, std::ostream& out);

}  // namespace lifeline::eval
