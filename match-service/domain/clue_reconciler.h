// Decides what re-scoring one person changes in their stored clues: which candidates become new
// clues, which clues get new content, which pending clues are withdrawn and which clues a
// procurator is working on are flagged as no longer supported. Pure; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "match-service/domain/clue.h"

namespace lifeline::match {

// What the store holds of one of the person's clues.
struct StoredClue {
  std::string clue_id;
  std::string case_number;
  Category category = Category::kUnspecified;
  ClueStatus status = ClueStatus::kPendingReview;
  // Fingerprint() of the content last written; empty once flagged as unsupported.
  std::string fingerprint;
  bool unsupported = false;
  // What a rules preview compares (rules_preview.h).
  double score = 0;
  int64_t point_fen = 0;
  std::string region_code;
};

struct ClueChanges {
  // Candidates without a clue for their (case, category): new pending clues.
  std::vector<ClueCandidate> create;
  // (clue id, new content) of undecided clues whose content changed; clears `unsupported`.
  std::vector<std::pair<std::string, ClueCandidate>> update;
  // Pending (or excluded) clues the data no longer support: withdrawn (kept, status
  // WITHDRAWN). A withdrawn clue that a candidate matches again is in `update`.
  std::vector<std::string> withdraw;
  // MORE_INFO_REQUESTED clues the data no longer supports and not flagged yet: kept, flagged.
  std::vector<std::string> mark_unsupported;
};

// Returns the changes that bring `stored` (one person's clues) in line with `candidates` (what
// the scorer finds for that person now). Approved and rejected clues never change.
ClueChanges ReconcileClues(const std::vector<StoredClue>& stored,
                           const std::vector<ClueCandidate>& candidates);

// Returns a digest of everything a clue shows, to tell whether re-scoring changed it.
std::string Fingerprint(const ClueCandidate& candidate);

// A clue's family as stored text (one member per line: person id, relations, age group,
// hardship signals), and back.
std::string FamilyText(const std::vector<FamilyMember>& family);
std::vector<FamilyMember> ParseFamilyText(std::string_view text);

// Says what differs between two versions of a clue, for its history: "score 80 -> 95; hardship +
// disability_grade_2; suggested 43200.00 -> 51840.00 yuan; evidence + disabled_persons_federation
// DP-1 disability_certificate.grade". "content updated" when only the rationale's wording moved.
std::string DescribeChange(const ClueCandidate& before, const ClueCandidate& after);

// Says what a clue is when created: "serious injury; score 95 (rules tier at read); suggested
// 43200.00 yuan".
std::string DescribeNew(const ClueCandidate& candidate);

}  // namespace lifeline::match
