#include "tools/eval/clue_metrics.h"

#include <algorithm>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/string_view.h"

namespace lifeline::eval {
namespace {

double Ratio(int64_t num, int64_t den) {
  return den == 0 ? 0.0 : static_cast<double>(num) / static_cast<double>(den);
}

}  // namespace

double CategoryRecall::recall() const { return Ratio(found, eligible); }
double ClueReport::precision() const { return Ratio(true_positives, clues); }
double ClueReport::recall() const { return Ratio(found_persons, eligible_persons); }

absl::flat_hash_map<std::string, std::string> MapPersonsToTruth(const Truth& truth,
                                                                const std::vector<Link>& links) {
  absl::flat_hash_map<std::pair<absl::string_view, absl::string_view>, absl::string_view> truth_of;
  truth_of.reserve(truth.records.size());
  for (const TruthRecord& r : truth.records) {
    truth_of.emplace(
        std::make_pair(absl::string_view(r.agency), absl::string_view(r.source_record_id)),
        r.person_id);
  }
  // Lifeline person -> true person -> linked records.
  absl::flat_hash_map<absl::string_view, absl::flat_hash_map<absl::string_view, int64_t>> votes;
  for (const Link& link : links) {
    auto it = truth_of.find(
        std::make_pair(absl::string_view(link.agency), absl::string_view(link.source_record_id)));
    if (it == truth_of.end()) continue;
    ++votes[link.person_id][it->second];
  }
  absl::flat_hash_map<std::string, std::string> mapping;
  mapping.reserve(votes.size());
  for (const auto& [person, counts] : votes) {
    absl::string_view best;
    int64_t best_count = 0;
    for (const auto& [true_person, count] : counts) {
      if (count > best_count || (count == best_count && true_person < best)) {
        best = true_person;
        best_count = count;
      }
    }
    mapping.emplace(std::string(person), std::string(best));
  }
  return mapping;
}

ClueReport EvaluateClues(const Truth& truth, const std::vector<Link>& links,
                         const std::vector<ClueRow>& clues) {
  absl::flat_hash_map<std::string, std::string> true_person_of = MapPersonsToTruth(truth, links);
  absl::flat_hash_set<absl::string_view> eligible;
  for (const EligibleEntry& e : truth.eligible) eligible.insert(e.person_id);
  absl::flat_hash_map<absl::string_view, std::vector<absl::string_view>> near_miss_reasons;
  for (const NearMiss& n : truth.near_misses) {
    auto& reasons = near_miss_reasons[n.person_id];
    if (std::find(reasons.begin(), reasons.end(), n.reason) == reasons.end()) {
      reasons.push_back(n.reason);
    }
  }

  ClueReport report;
  report.clues = static_cast<int64_t>(clues.size());
  report.eligible_persons = static_cast<int64_t>(eligible.size());
  // True person -> categories of the correct clues on them.
  absl::flat_hash_map<absl::string_view, std::vector<absl::string_view>> found;
  for (const ClueRow& clue : clues) {
    auto it = true_person_of.find(clue.person_id);
    if (it == true_person_of.end()) {
      ++report.unmapped;
      continue;
    }
    absl::string_view person = it->second;
    if (eligible.contains(person)) {
      ++report.true_positives;
      auto [entry, inserted] = found.try_emplace(person);
      if (!inserted) ++report.duplicate_true_positives;
      entry->second.push_back(clue.category);
      continue;
    }
    ++report.false_positives;
    auto near = near_miss_reasons.find(person);
    if (near == near_miss_reasons.end()) {
      ++report.other_false_positives;
      continue;
    }
    for (absl::string_view reason : near->second) {
      ++report.near_miss_false_positives[std::string(reason)];
    }
  }
  report.found_persons = static_cast<int64_t>(found.size());
  for (const std::string& category : EligibleCategories()) {
    CategoryRecall c;
    c.category = category;
    for (const EligibleEntry& e : truth.eligible) {
      if (e.category != category) continue;
      ++c.eligible;
      auto it = found.find(e.person_id);
      if (it == found.end()) continue;
      ++c.found;
      if (std::find(it->second.begin(), it->second.end(), category) != it->second.end()) {
        ++c.same_category;
      }
    }
    report.by_category.push_back(std::move(c));
  }
  return report;
}

}  // namespace lifeline::eval
