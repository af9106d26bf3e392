#include "match-service/domain/clue_reconciler.h"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

#include "match-service/domain/suggested_amount.h"

namespace lifeline::match {

std::string Fingerprint(const ClueCandidate& c) {
  std::string out =
      absl::StrFormat("%.6f|%d|%d|%d|%s|", c.score, c.suggested_amount.min_fen,
                      c.suggested_amount.max_fen, c.suggested_amount.point_fen, c.region_code);
  absl::StrAppend(&out, absl::StrJoin(c.suggested_amount.rationale, "\n"), "|",
                  absl::StrJoin(c.hardship_signals, ","), "|",
                  absl::StrJoin(c.possible_exclusions, ","), "|", absl::StrJoin(c.needs, ","), "|",
                  absl::StrJoin(c.exclusions, ","), "|", absl::StrJoin(c.questions, ","));
  for (const Evidence& e : c.evidence) {
    absl::StrAppend(&out, "\x1e", e.agency, "\x1f", e.source_record_id, "\x1f", e.field, "\x1f",
                    e.value, "\x1f", e.date, "\x1f", e.role);
  }
  absl::StrAppend(&out, "\x1d", FamilyText(c.family));
  return out;
}

std::string FamilyText(const std::vector<FamilyMember>& family) {
  std::vector<std::string> lines;
  for (const FamilyMember& m : family) {
    lines.push_back(absl::StrCat(m.person_id, "\t", absl::StrJoin(m.relations, ";"), "\t",
                                 m.age_group, "\t", absl::StrJoin(m.hardship_signals, ",")));
  }
  return absl::StrJoin(lines, "\n");
}

std::vector<FamilyMember> ParseFamilyText(std::string_view text) {
  std::vector<FamilyMember> family;
  const std::vector<std::string> lines = absl::StrSplit(std::string(text), '\n', absl::SkipEmpty());
  for (const std::string& line : lines) {
    std::vector<std::string> fields = absl::StrSplit(line, '\t');
    fields.resize(4);
    FamilyMember m;
    m.person_id = fields[0];
    m.relations = absl::StrSplit(fields[1], ';', absl::SkipEmpty());
    m.age_group = fields[2];
    m.hardship_signals = absl::StrSplit(fields[3], ',', absl::SkipEmpty());
    family.push_back(std::move(m));
  }
  return family;
}

namespace {

std::string EvidenceKey(const Evidence& e) {
  return absl::StrCat(e.agency, " ", e.source_record_id, " ", e.field);
}

// "+ a, b; - c" of two sorted-or-not lists; "" when equal.
std::string SetDiff(const std::vector<std::string>& before, const std::vector<std::string>& after,
                    size_t limit) {
  const std::set<std::string> b(before.begin(), before.end());
  const std::set<std::string> a(after.begin(), after.end());
  std::vector<std::string> added;
  std::vector<std::string> removed;
  std::set_difference(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(added));
  std::set_difference(b.begin(), b.end(), a.begin(), a.end(), std::back_inserter(removed));
  auto shorten = [limit](std::vector<std::string> items) {
    if (items.size() > limit) {
      const size_t more = items.size() - limit;
      items.resize(limit);
      items.push_back(absl::StrCat("and ", more, " more"));
    }
    return absl::StrJoin(items, ", ");
  };
  std::vector<std::string> parts;
  if (!added.empty()) parts.push_back(absl::StrCat("+ ", shorten(std::move(added))));
  if (!removed.empty()) parts.push_back(absl::StrCat("- ", shorten(std::move(removed))));
  return absl::StrJoin(parts, " ");
}

}  // namespace

std::string DescribeChange(const ClueCandidate& before, const ClueCandidate& after) {
  std::vector<std::string> parts;
  if (std::llround(before.score * 1e6) != std::llround(after.score * 1e6)) {
    parts.push_back(absl::StrFormat("score %g -> %g", before.score, after.score));
  }
  if (std::string d = SetDiff(before.hardship_signals, after.hardship_signals, 8); !d.empty()) {
    parts.push_back(absl::StrCat("hardship ", d));
  }
  if (std::string d = SetDiff(before.exclusions, after.exclusions, 8); !d.empty()) {
    parts.push_back(absl::StrCat("exclusions ", d));
  }
  if (std::string d = SetDiff(before.questions, after.questions, 8); !d.empty()) {
    parts.push_back(absl::StrCat("questions ", d));
  }
  if (before.suggested_amount.point_fen != after.suggested_amount.point_fen) {
    parts.push_back(absl::StrCat("suggested ", YuanText(before.suggested_amount.point_fen), " -> ",
                                 YuanText(after.suggested_amount.point_fen), " yuan"));
  }
  if (before.suggested_amount.max_fen != after.suggested_amount.max_fen) {
    parts.push_back(absl::StrCat("cap ", YuanText(before.suggested_amount.max_fen), " -> ",
                                 YuanText(after.suggested_amount.max_fen), " yuan"));
  }
  if (before.region_code != after.region_code) {
    parts.push_back(absl::StrCat("region ", before.region_code.empty() ? "-" : before.region_code,
                                 " -> ", after.region_code));
  }
  std::vector<std::string> evidence_before;
  std::vector<std::string> evidence_after;
  for (const Evidence& e : before.evidence) evidence_before.push_back(EvidenceKey(e));
  for (const Evidence& e : after.evidence) evidence_after.push_back(EvidenceKey(e));
  if (std::string d = SetDiff(evidence_before, evidence_after, 4); !d.empty()) {
    parts.push_back(absl::StrCat("evidence ", d));
  }
  std::vector<std::string> family_before;
  std::vector<std::string> family_after;
  auto member_key = [](const FamilyMember& m) {
    std::string key = absl::StrCat(m.person_id, " (", absl::StrJoin(m.relations, "; "));
    if (!m.hardship_signals.empty()) {
      absl::StrAppend(&key, "; ", absl::StrJoin(m.hardship_signals, ", "));
    }
    return absl::StrCat(key, ")");
  };
  for (const FamilyMember& m : before.family) family_before.push_back(member_key(m));
  for (const FamilyMember& m : after.family) family_after.push_back(member_key(m));
  if (std::string d = SetDiff(family_before, family_after, 4); !d.empty()) {
    parts.push_back(absl::StrCat("family ", d));
  }
  if (parts.empty()) return "content updated";
  return absl::StrJoin(parts, "; ");
}

std::string DescribeNew(const ClueCandidate& candidate) {
  std::string out = absl::StrFormat("%s; score %g; suggested %s yuan",
                                    std::string(CategoryName(candidate.category)), candidate.score,
                                    YuanText(candidate.suggested_amount.point_fen));
  if (!candidate.exclusions.empty()) {
    absl::StrAppend(&out, "; excluded: ", absl::StrJoin(candidate.exclusions, ", "));
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
      // (a WITHDRAWN one stays as it is)
      changes.withdraw.push_back(clue->clue_id);
    } else if (clue->status == ClueStatus::kMoreInfoRequested && !clue->unsupported) {
      // A procurator is already working on it: keep it, but say the data changed.
      changes.mark_unsupported.push_back(clue->clue_id);
    }
  }
  return changes;
}

}  // namespace lifeline::match
