#include "tools/eval/baselines.h"

#include <vector>

#include "absl/strings/str_cat.h"

#include "common/identity/id_number.h"
#include "common/identity/normalize.h"
#include "common/time/dates.h"

namespace lifeline::eval {

std::string IdNumberJoinKey(const TruthRecord& record) {
  common::ParsedIdNumber parsed = common::ParseIdNumber(record.id_number);
  if (parsed.problem != common::IdNumberProblem::kNone) return "";
  return parsed.canonical;
}

std::string NameBirthJoinKey(const TruthRecord& record) {
  std::string name = common::NormalizeName(record.name);
  if (name.empty()) return "";
  std::string birth;
  if (auto day = common::ParseDate(record.birth_date, "birth_date"); day.ok()) {
    birth = common::FormatDate(*day);
  } else {
    common::ParsedIdNumber parsed = common::ParseIdNumber(record.id_number);
    if (parsed.problem != common::IdNumberProblem::kNone || parsed.birth_date.empty()) return "";
    birth = parsed.birth_date;
  }
  // The unit separator keeps the name and the date apart.
  return absl::StrCat(name, "\x1f", birth);
}

BaselineReport EvaluateBaselines(const Truth& truth) {
  std::vector<std::string> by_id, by_name;
  by_id.reserve(truth.records.size());
  by_name.reserve(truth.records.size());
  for (const TruthRecord& r : truth.records) {
    by_id.push_back(IdNumberJoinKey(r));
    by_name.push_back(NameBirthJoinKey(r));
  }
  PairScorer scorer(truth.records);
  BaselineReport report;
  report.id_number = scorer.Score(by_id);
  report.name_birth = scorer.Score(by_name);
  return report;
}

}  // namespace lifeline::eval
