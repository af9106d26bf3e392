#include "tools/eval/baselines.h"

#include <vector>

#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>

#include "absl/strings/str_cat.h"

#include "common/identity/id_number.h"
#include "common/time/dates.h"

namespace lifeline::eval {
namespace {

// The name as the published exact-join models compare it: Unicode NFKC (full-width forms folded)
// with whitespace, invisible characters and middle dots dropped, nothing more. Deliberately not
// Lifeline's common::NormalizeName, which also folds traditional characters into simplified
// ones: the baseline measures what the naive join misses. "" for invalid input.
std::string NaiveNameKey(const std::string& name) {
  UErrorCode error = U_ZERO_ERROR;
  const icu::Normalizer2* nfkc = icu::Normalizer2::getNFKCInstance(error);
  if (U_FAILURE(error) || nfkc == nullptr) return "";
  const icu::UnicodeString normalized =
      nfkc->normalize(icu::UnicodeString::fromUTF8(
                          icu::StringPiece(name.data(), static_cast<int32_t>(name.size()))),
                      error);
  if (U_FAILURE(error)) return "";
  icu::UnicodeString kept;
  for (int32_t i = 0; i < normalized.length();) {
    const UChar32 c = normalized.char32At(i);
    i += U16_LENGTH(c);
    if (c == 0xFFFD) return "";  // invalid UTF-8 in the input
    if (u_isUWhiteSpace(c) || u_charType(c) == U_FORMAT_CHAR) continue;
    if (c == 0x00B7 || c == 0x2027 || c == 0x30FB || c == 0x2022) continue;  // middle dots
    kept.append(c);
  }
  std::string out;
  kept.toUTF8String(out);
  return out;
}

}  // namespace

std::string IdNumberJoinKey(const TruthRecord& record) {
  common::ParsedIdNumber parsed = common::ParseIdNumber(record.id_number);
  if (parsed.problem != common::IdNumberProblem::kNone) return "";
  return parsed.canonical;
}

std::string NameBirthJoinKey(const TruthRecord& record) {
  std::string name = NaiveNameKey(record.name);
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
