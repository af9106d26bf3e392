#include "match-service/domain/record_codec.h"

#include <cstdint>
#include <functional>
#include <string>
#include <type_traits>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace lifeline::match {
namespace {

// Calls visitor(name, field) for every stored field. Encoding and decoding share this list, so a
// field added here is both written and read.
template <typename Facts, typename Visitor>
void VisitFields(Facts& f, Visitor&& v) {
  v("agency", f.agency);
  v("source_record_id", f.source_record_id);
  v("version", f.version);
  v("record_date", f.record_date);
  v("retracted", f.retracted);
  v("kind", f.kind);
  v("person.id_token", f.person.id_token);
  v("person.id_masked", f.person.id_masked);
  v("person.name_original", f.person.name_original);
  v("person.name_normalized", f.person.name_normalized);
  v("person.sex", f.person.sex);
  v("person.birth_date", f.person.birth_date);
  v("person.region_code", f.person.region_code);
  v("person.household_id", f.person.household_id);
  v("victim.case_number", f.victim.case_number);
  v("victim.crime", f.victim.crime);
  v("victim.case_date", f.victim.case_date);
  v("victim.offender_status", f.victim.offender_status);
  v("victim.harm", f.victim.harm);
  v("victim.disability_grade", f.victim.disability_grade);
  v("victim.property_loss_fen", f.victim.property_loss_fen);
  v("victim.victim_major_fault", f.victim.victim_major_fault);
  v("victim.needs_urgent_treatment", f.victim.needs_urgent_treatment);
  v("relative.case_number", f.relative.case_number);
  v("relative.victim_record_id", f.relative.victim_record_id);
  v("relative.relation", f.relative.relation);
  v("relative.depended_on_victim", f.relative.depended_on_victim);
  v("assistance.case_number", f.assistance.case_number);
  v("assistance.amount_fen", f.assistance.amount_fen);
  v("assistance.granted_date", f.assistance.granted_date);
  v("judgment.case_number", f.judgment.case_number);
  v("judgment.judgment_number", f.judgment.judgment_number);
  v("judgment.amount_awarded_fen", f.judgment.amount_awarded_fen);
  v("judgment.judgment_date", f.judgment.judgment_date);
  v("enforcement.case_number", f.enforcement.case_number);
  v("enforcement.judgment_number", f.enforcement.judgment_number);
  v("enforcement.enforcement_number", f.enforcement.enforcement_number);
  v("enforcement.amount_awarded_fen", f.enforcement.amount_awarded_fen);
  v("enforcement.amount_paid_fen", f.enforcement.amount_paid_fen);
  v("enforcement.status", f.enforcement.status);
  v("enforcement.status_date", f.enforcement.status_date);
  v("social_assistance.programme", f.social_assistance.programme);
  v("social_assistance.household_head", f.social_assistance.household_head);
  v("social_assistance.start_date", f.social_assistance.start_date);
  v("social_assistance.end_date", f.social_assistance.end_date);
  v("disability.kind", f.disability.kind);
  v("disability.grade", f.disability.grade);
  v("disability.issue_date", f.disability.issue_date);
  v("poverty.category", f.poverty.category);
  v("poverty.start_date", f.poverty.start_date);
  v("poverty.end_date", f.poverty.end_date);
  v("women_children.kind", f.women_children.kind);
  v("women_children.start_date", f.women_children.start_date);
  v("veteran.kind", f.veteran.kind);
  v("veteran.start_date", f.veteran.start_date);
  v("medical.year", f.medical.year);
  v("medical.out_of_pocket_fen", f.medical.out_of_pocket_fen);
  v("medical.catastrophic", f.medical.catastrophic);
}

std::string Escape(absl::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (char c : in) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else {
      out += c;
    }
  }
  return out;
}

bool Unescape(absl::string_view in, std::string* out) {
  out->clear();
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '\\') {
      *out += in[i];
      continue;
    }
    if (++i == in.size()) return false;
    switch (in[i]) {
      case '\\':
        *out += '\\';
        break;
      case 'n':
        *out += '\n';
        break;
      case 'r':
        *out += '\r';
        break;
      default:
        return false;
    }
  }
  return true;
}

template <typename T>
std::string ToText(const T& value) {
  if constexpr (std::is_same_v<T, std::string>) {
    return Escape(value);
  } else if constexpr (std::is_same_v<T, bool>) {
    return value ? "1" : "0";
  } else if constexpr (std::is_enum_v<T>) {
    return absl::StrCat(static_cast<int>(value));
  } else {
    return absl::StrCat(value);
  }
}

template <typename T>
bool FromText(absl::string_view text, T* value) {
  if constexpr (std::is_same_v<T, std::string>) {
    return Unescape(text, value);
  } else if constexpr (std::is_same_v<T, bool>) {
    if (text != "0" && text != "1") return false;
    *value = text == "1";
    return true;
  } else if constexpr (std::is_enum_v<T>) {
    int raw = 0;
    if (!absl::SimpleAtoi(text, &raw)) return false;
    *value = static_cast<T>(raw);
    return true;
  } else {
    return absl::SimpleAtoi(text, value);
  }
}

}  // namespace

std::string EncodeRecordFacts(const RecordFacts& facts) {
  std::string out;
  VisitFields(facts, [&out](const char* name, const auto& field) {
    absl::StrAppend(&out, name, "=", ToText(field), "\n");
  });
  return out;
}

absl::StatusOr<RecordFacts> DecodeRecordFacts(std::string_view text) {
  RecordFacts facts;
  using Setter = std::function<bool(absl::string_view)>;
  absl::flat_hash_map<std::string, Setter> setters;
  VisitFields(facts, [&setters](const char* name, auto& field) {
    setters.emplace(name, [&field](absl::string_view value) { return FromText(value, &field); });
  });
  const absl::string_view all(text.data(), text.size());
  for (absl::string_view line : absl::StrSplit(all, '\n', absl::SkipEmpty())) {
    const size_t eq = line.find('=');
    if (eq == absl::string_view::npos) {
      return absl::InvalidArgumentError("stored record facts: line without '='");
    }
    const std::string name(line.substr(0, eq));
    auto it = setters.find(name);
    if (it == setters.end()) {
      return absl::InvalidArgumentError(absl::StrCat("stored record facts: unknown field ", name));
    }
    if (!it->second(line.substr(eq + 1))) {
      return absl::InvalidArgumentError(absl::StrCat("stored record facts: bad value for ", name));
    }
  }
  return facts;
}

}  // namespace lifeline::match
