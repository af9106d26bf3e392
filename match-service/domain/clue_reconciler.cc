#include "match-service/domain/clue_reconciler.h"

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace lifeline::match {

std::string Fingerprint(const ClueCandidate& c) {
  std::string out =
      absl::StrFormat("%.6f|%d|%d|%d|%s|", c.score, c.suggested_amount.min_fen,
                      c.suggested_amount.max_fen, c.suggested_amount.point_fen, c.region_code);
  absl::StrAppend(&out, absl::StrJoin(c.suggested_amount.rationale, "\n"), "|",
                  absl::StrJoin(c.hardship_signals, ","), "|",
                  absl::StrJoin(c.possible_exclusions, ","), "|", absl::StrJoin(c.needs, ","), "|",
                  absl::StrJoin(c.exclusions, ","));
  for (const Evidence& e : c.evidence) {
    absl::StrAppend(&out, "\x1e", e.agency, "\x1f", e.source_record_id, "\x1f", e.field, "\x1f",
                    e.value, "\x1f", e.date, "\x1f", e.role);
  }
  return out;
}

ClueChanges ReconcileClues(const std::vector<StoredClue>& stored,
                           const std::vector<ClueCandidate>& candidates) {
  std::map<std::pair<std::string, Category>, const StoredClue*> unmatched;
  for (const StoredClue& clue : stored) unmatched[{clue.case_number, clue.category}] = &clue;
  ClueChanges changes;
  for (const ClueCandidate& candidate : candidates) {
    auto it = unmatched.find({candidate.case_number, candidate.category});
    if (it == unmatched.end()) {
      changes.create.push_back(candidate);
      continue;
    }
    const StoredClue& clue = *it->second;
    unmatched.erase(it);
    if (IsDecided(clue.status) || clue.fingerprint == Fingerprint(candidate)) continue;
    changes.update.emplace_back(clue.clue_id, candidate);
  }
  for (const auto& [key, clue] : unmatched) {
    if (clue->status == ClueStatus::kPendingReview || clue->status == ClueStatus::kExcluded) {
      changes.withdraw.push_back(clue->clue_id);
    } else if (clue->status == ClueStatus::kMoreInfoRequested && !clue->unsupported) {
      // A procurator is already working on it: keep it, but say the data changed.
      changes.mark_unsupported.push_back(clue->clue_id);
    }
  }
  return changes;
}

}  // namespace lifeline::match
