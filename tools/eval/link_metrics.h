// How well Lifeline's record-to-person links (links.csv) agree with the true persons.
#pragma once

#include <cstdint>
#include <vector>

#include "tools/eval/pair_metrics.h"
#include "tools/eval/truth.h"

namespace lifeline::eval {

// The pairwise evaluation of Lifeline's links, with what did not line up with the truth.
struct LinkReport {
  // Over every truth record; a record no link names stands alone.
  PairMetrics pairs;
  int64_t links = 0;
  // Links naming a record the truth does not list (e.g. a record ingest rejected as a duplicate
  // under another id); left out of the pair counts.
  int64_t unknown_links = 0;
  // Truth records no link names (rejected at ingest, or not yet matched).
  int64_t unlinked_records = 0;
};

// Evaluates `links` against `truth`.
LinkReport EvaluateLinks(const Truth& truth, const std::vector<Link>& links);

}  // namespace lifeline::eval
