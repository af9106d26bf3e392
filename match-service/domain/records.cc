#include "match-service/domain/records.h"

#include <string>

namespace lifeline::match {

bool CanFoundClue(const NormalizedRecord& record) {
  static_assert(
      Record::kCriminalVictim == 10 && Record::kNearRelative == 11 && Record::kCivilJudgment == 13,
      "the store's records_basis index names these kinds");
  return record.record().has_criminal_victim() || record.record().has_near_relative() ||
         record.record().has_civil_judgment();
}

const std::string& CaseNumberOf(const NormalizedRecord& record) {
  const Record& r = record.record();
  switch (r.payload_case()) {
    case Record::kCriminalVictim:
      return r.criminal_victim().criminal_case().case_number();
    case Record::kNearRelative:
      return r.near_relative().case_number();
    case Record::kAssistanceGranted:
      return r.assistance_granted().case_number();
    case Record::kCivilJudgment:
      return r.civil_judgment().case_number();
    case Record::kEnforcement:
      return r.enforcement().case_number();
    default:
      break;
  }
  static const std::string* const kNone = new std::string();
  return *kNone;
}

std::string_view KindName(Record::PayloadCase kind) {
  const auto* field = Record::descriptor()->FindFieldByNumber(static_cast<int>(kind));
  if (kind == Record::PAYLOAD_NOT_SET || field == nullptr) return "unspecified";
  return field->name();
}

void MergePerson(const NormalizedPerson& from, NormalizedPerson* best) {
  if (best->id_token().empty()) best->set_id_token(from.id_token());
  if (best->id_masked().empty()) best->set_id_masked(from.id_masked());
  if (best->name_original().empty()) best->set_name_original(from.name_original());
  if (best->name_normalized().empty()) best->set_name_normalized(from.name_normalized());
  if (best->birth_date().empty()) best->set_birth_date(from.birth_date());
  if (best->region_code().empty()) best->set_region_code(from.region_code());
  if (best->household_id().empty()) best->set_household_id(from.household_id());
  if (best->sex() == records::v1::SEX_UNSPECIFIED) best->set_sex(from.sex());
}

}  // namespace lifeline::match
