#include "tools/eval/report.h"

#include <algorithm>
#include <ostream>
#include <set>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"

#include "common/status/status_macros.h"

namespace lifeline::eval {
namespace {

// Formats a count with thousands separators: 1234567 -> "1,234,567".
std::string Count(int64_t n) {
  std::string digits = std::to_string(n < 0 ? -n : n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return n < 0 ? "-" + out : out;
}

// Formats a ratio, or "-" when its denominator is 0.
std::string Ratio(double value, int64_t denominator) {
  return denominator == 0 ? "-" : absl::StrFormat("%.3f", value);
}

// Prints rows with the first column left-aligned and the others right-aligned, two spaces apart.
void PrintTable(const std::vector<std::vector<std::string>>& rows, std::ostream& out) {
  std::vector<size_t> width;
  for (const auto& row : rows) {
    if (row.size() > width.size()) width.resize(row.size(), 0);
    for (size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], row[i].size());
  }
  for (const auto& row : rows) {
    std::string line = "  ";
    for (size_t i = 0; i < row.size(); ++i) {
      if (i == 0) {
        absl::StrAppend(&line, row[i], std::string(width[0] - row[i].size(), ' '));
      } else {
        absl::StrAppend(&line, "  ", std::string(width[i] - row[i].size(), ' '), row[i]);
      }
    }
    out << line << "\n";
  }
}

// One clustering in the linkage table.
struct Method {
  std::string name;
  const PairMetrics* metrics;
};

// The linkage table: one row per slice of pairs, P / R / F1 of every method side by side.
void PrintLinkageTable(const std::vector<Method>& methods, std::ostream& out) {
  struct Row {
    std::string label;
    // Counts of the slice for each method (the true pairs are the same for all).
    std::vector<PairCounts> counts;
  };
  std::vector<Row> rows;
  auto add = [&](std::string label, auto pick) {
    Row row{std::move(label), {}};
    for (const Method& m : methods) row.counts.push_back(pick(*m.metrics));
    rows.push_back(std::move(row));
  };
  add("all pairs", [](const PairMetrics& m) { return m.overall.all; });
  add("cross-agency pairs", [](const PairMetrics& m) { return m.overall.cross_agency; });
  add("clean (no noise)", [](const PairMetrics& m) { return m.clean.all; });
  add("clean, cross-agency", [](const PairMetrics& m) { return m.clean.cross_agency; });
  std::set<std::string> kinds;
  for (const Method& m : methods) {
    for (const auto& [kind, scope] : m.metrics->by_noise) kinds.insert(kind);
  }
  for (const std::string& kind : kinds) {
    add(absl::StrCat("noise ", kind), [&kind](const PairMetrics& m) {
      auto it = m.by_noise.find(kind);
      return it == m.by_noise.end() ? PairCounts() : it->second.all;
    });
  }

  size_t label_width = 5;  // "scope"
  size_t pairs_width = 5;  // "pairs"
  for (const Row& r : rows) {
    label_width = std::max(label_width, r.label.size());
    pairs_width = std::max(pairs_width, Count(r.counts.front().true_pairs).size());
  }
  constexpr int kCell = 6;                 // "0.953" and a space
  constexpr int kGroup = 3 * (kCell + 1);  // " P R F1" cells, each after a space
  std::string head1 = absl::StrFormat("  %-*s  %*s |", label_width, "", pairs_width, "true");
  std::string head2 = absl::StrFormat("  %-*s  %*s |", label_width, "scope", pairs_width, "pairs");
  for (const Method& m : methods) {
    std::string name = m.name.substr(0, kGroup);
    size_t left = (kGroup - name.size()) / 2;
    absl::StrAppend(&head1, std::string(left, ' '), name,
                    std::string(kGroup - name.size() - left, ' '), " |");
    absl::StrAppend(&head2, absl::StrFormat(" %*s %*s %*s |", kCell, "P", kCell, "R", kCell, "F1"));
  }
  out << head1 << "\n" << head2 << "\n";
  for (const Row& r : rows) {
    std::string line = absl::StrFormat("  %-*s  %*s |", label_width, r.label, pairs_width,
                                       Count(r.counts.front().true_pairs));
    for (const PairCounts& c : r.counts) {
      absl::StrAppend(
          &line, absl::StrFormat(" %*s %*s %*s |", kCell, Ratio(c.precision(), c.predicted_pairs),
                                 kCell, Ratio(c.recall(), c.true_pairs), kCell,
                                 Ratio(c.f1(), std::min(c.predicted_pairs, c.true_pairs))));
    }
    out << line << "\n";
  }
}

void PrintPairCounts(const std::vector<Method>& methods, std::ostream& out) {
  std::vector<std::vector<std::string>> rows = {
      {"pair counts", "true", "predicted", "TP", "FP", "FN"}};
  for (const Method& m : methods) {
    for (bool cross : {false, true}) {
      const PairCounts& c = cross ? m.metrics->overall.cross_agency : m.metrics->overall.all;
      rows.push_back({absl::StrCat(m.name, cross ? ", cross-agency" : ", all pairs"),
                      Count(c.true_pairs), Count(c.predicted_pairs), Count(c.true_positives),
                      Count(c.false_positives()), Count(c.false_negatives())});
    }
  }
  PrintTable(rows, out);
}

void PrintClues(const ClueReport& c, std::ostream& out) {
  out << "\nClues: " << Count(c.clues) << " (" << Count(c.true_positives)
      << " on an eligible person, " << Count(c.false_positives) << " on another person, "
      << Count(c.unmapped) << " on a person with no linked truth record)\n";
  out << "  precision " << Ratio(c.precision(), c.clues) << "   recall "
      << Ratio(c.recall(), c.eligible_persons) << " (" << Count(c.found_persons) << " of "
      << Count(c.eligible_persons) << " eligible persons found; "
      << Count(c.duplicate_true_positives) << " duplicate correct clues)\n\n";
  std::vector<std::vector<std::string>> rows = {
      {"recall by category", "eligible", "found", "recall", "same category"}};
  for (const CategoryRecall& r : c.by_category) {
    rows.push_back({r.category, Count(r.eligible), Count(r.found), Ratio(r.recall(), r.eligible),
                    Count(r.same_category)});
  }
  PrintTable(rows, out);
  out << "\n";
  rows = {{"false positives on near misses (dangerous)", "clues"}};
  for (const std::string& reason : NearMissReasons()) {
    auto it = c.near_miss_false_positives.find(reason);
    rows.push_back({reason, Count(it == c.near_miss_false_positives.end() ? 0 : it->second)});
  }
  rows.push_back({"other false positives", Count(c.other_false_positives)});
  PrintTable(rows, out);
}

}  // namespace

TruthSummary SummarizeTruth(const Truth& truth) {
  TruthSummary s;
  s.records = static_cast<int64_t>(truth.records.size());
  absl::flat_hash_set<absl::string_view> agencies, persons, eligible;
  for (const TruthRecord& r : truth.records) {
    agencies.insert(r.agency);
    persons.insert(r.person_id);
  }
  for (const EligibleEntry& e : truth.eligible) eligible.insert(e.person_id);
  s.agencies = static_cast<int64_t>(agencies.size());
  s.persons = static_cast<int64_t>(persons.size());
  s.eligible_rows = static_cast<int64_t>(truth.eligible.size());
  s.eligible_persons = static_cast<int64_t>(eligible.size());
  s.near_misses = static_cast<int64_t>(truth.near_misses.size());
  return s;
}

absl::StatusOr<EvalReport> Evaluate(const EvalOptions& options) {
  if (!options.clues_path.empty() && options.links_path.empty()) {
    return absl::InvalidArgumentError(
        "clues need links: their persons are mapped to true persons through links.csv");
  }
  ASSIGN_OR_RETURN(Truth truth, LoadTruth(options.truth_dir));
  std::vector<Link> links;
  std::vector<ClueRow> clues;
  if (!options.links_path.empty()) {
    ASSIGN_OR_RETURN(links, LoadLinks(options.links_path));
  }
  if (!options.clues_path.empty()) {
    ASSIGN_OR_RETURN(clues, LoadClues(options.clues_path));
  }
  EvalReport report;
  report.truth = SummarizeTruth(truth);
  report.baselines = EvaluateBaselines(truth);
  if (!options.links_path.empty()) report.links = EvaluateLinks(truth, links);
  if (!options.clues_path.empty()) report.clues = EvaluateClues(truth, links, clues);
  return report;
}

void PrintReport(const EvalReport& report, std::ostream& out) {
  const TruthSummary& t = report.truth;
  out << "Truth: " << Count(t.records) << " records from " << Count(t.agencies)
      << " agencies about " << Count(t.persons) << " persons; " << Count(t.eligible_rows)
      << " eligible rows (" << Count(t.eligible_persons) << " persons), " << Count(t.near_misses)
      << " near misses\n\n";

  std::vector<Method> methods;
  if (report.links) methods.push_back({"Lifeline", &report.links->pairs});
  methods.push_back({"ID-number join", &report.baselines.id_number});
  methods.push_back({"name+birth join", &report.baselines.name_birth});

  out << "Record linkage over pairs of distinct records: a pair is true when both records are\n"
         "about the same person, predicted when both went to the same cluster. A noise row\n"
         "holds the pairs where at least one record carries that noise.\n\n";
  PrintLinkageTable(methods, out);
  out << "\n";
  PrintPairCounts(methods, out);
  out << "\n";
  if (report.links) {
    const LinkReport& l = *report.links;
    out << "  Lifeline: " << Count(l.pairs.clustered_records) << " of " << Count(l.pairs.records)
        << " records linked (" << Count(l.unlinked_records) << " unlinked; "
        << Count(l.unknown_links) << " links to records not in the truth), "
        << Count(l.pairs.clusters) << " persons, the largest with "
        << Count(l.pairs.largest_cluster) << " records\n";
  }
  for (const Method& m : methods) {
    if (report.links && m.metrics == &report.links->pairs) continue;
    out << "  " << m.name << ": " << Count(m.metrics->clustered_records) << " of "
        << Count(m.metrics->records) << " records joinable, " << Count(m.metrics->clusters)
        << " keys, the largest shared by " << Count(m.metrics->largest_cluster) << " records\n";
  }
  out << "  Pairs are counted exactly from the true person x cluster contingency table (no\n"
         "  sampling), so a huge wrong cluster needs no cap.\n";

  if (report.clues) PrintClues(*report.clues, out);
}

}  // namespace lifeline::eval
