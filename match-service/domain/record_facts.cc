#include "match-service/domain/record_facts.h"

#include <array>
#include <cstddef>

namespace lifeline::match {
namespace {

template <typename E, size_t N>
std::string_view NameOf(E value, const std::array<std::string_view, N>& names) {
  const auto index = static_cast<size_t>(value);
  return index < N ? names[index] : names[0];
}

constexpr std::array<std::string_view, 12> kKindNames = {
    "unspecified",        "criminal_victim",
    "near_relative",      "assistance_granted",
    "civil_judgment",     "enforcement",
    "social_assistance",  "disability_certificate",
    "poverty_monitoring", "women_children_difficulty",
    "veteran_status",     "medical_expense"};

}  // namespace

bool IsHardshipAgency(std::string_view agency) {
  return agency == kAgencyCivilAffairs || agency == kAgencyDisabledPersonsFederation ||
         agency == kAgencyRuralRevitalization || agency == kAgencyWomensFederation ||
         agency == kAgencyExServicemenAffairs || agency == kAgencyMedicalSecurity;
}

std::string_view RecordKindName(RecordKind kind) { return NameOf(kind, kKindNames); }

std::string_view CrimeName(Crime value) {
  static constexpr std::array<std::string_view, 9> kNames = {
      "CRIME_UNSPECIFIED",    "CRIME_TRAFFIC",           "CRIME_INTENTIONAL_INJURY",
      "CRIME_HOMICIDE",       "CRIME_ROBBERY",           "CRIME_FRAUD",
      "CRIME_SEXUAL_OFFENCE", "CRIME_DOMESTIC_VIOLENCE", "CRIME_OTHER"};
  return NameOf(value, kNames);
}

std::string_view OffenderStatusName(OffenderStatus value) {
  static constexpr std::array<std::string_view, 6> kNames = {
      "OFFENDER_STATUS_UNSPECIFIED", "OFFENDER_STATUS_UNKNOWN",  "OFFENDER_STATUS_IN_CUSTODY",
      "OFFENDER_STATUS_DECEASED",    "OFFENDER_STATUS_AT_LARGE", "OFFENDER_STATUS_SENTENCED"};
  return NameOf(value, kNames);
}

std::string_view HarmName(Harm value) {
  static constexpr std::array<std::string_view, 5> kNames = {
      "HARM_UNSPECIFIED", "HARM_DEATH", "HARM_SERIOUS_INJURY", "HARM_MINOR_INJURY",
      "HARM_PROPERTY_LOSS"};
  return NameOf(value, kNames);
}

std::string_view RelationName(Relation value) {
  static constexpr std::array<std::string_view, 8> kNames = {
      "RELATION_UNSPECIFIED", "RELATION_PARENT",         "RELATION_SPOUSE",
      "RELATION_CHILD",       "RELATION_SIBLING",        "RELATION_GRANDPARENT",
      "RELATION_GRANDCHILD",  "RELATION_OTHER_DEPENDANT"};
  return NameOf(value, kNames);
}

std::string_view EnforcementStatusName(EnforcementStatus value) {
  static constexpr std::array<std::string_view, 4> kNames = {
      "STATUS_UNSPECIFIED", "STATUS_ONGOING", "STATUS_TERMINATED_NO_PROPERTY", "STATUS_CONCLUDED"};
  return NameOf(value, kNames);
}

std::string_view ProgrammeName(Programme value) {
  static constexpr std::array<std::string_view, 6> kNames = {
      "PROGRAMME_UNSPECIFIED",          "PROGRAMME_URBAN_MINIMUM_LIVING",
      "PROGRAMME_RURAL_MINIMUM_LIVING", "PROGRAMME_EXTREME_POVERTY",
      "PROGRAMME_LOW_INCOME",           "PROGRAMME_TEMPORARY_ASSISTANCE"};
  return NameOf(value, kNames);
}

std::string_view DisabilityKindName(DisabilityKind value) {
  static constexpr std::array<std::string_view, 8> kNames = {
      "KIND_UNSPECIFIED", "KIND_VISUAL",       "KIND_HEARING", "KIND_SPEECH",
      "KIND_LIMB",        "KIND_INTELLECTUAL", "KIND_MENTAL",  "KIND_MULTIPLE"};
  return NameOf(value, kNames);
}

std::string_view PovertyCategoryName(PovertyCategory value) {
  static constexpr std::array<std::string_view, 5> kNames = {
      "CATEGORY_UNSPECIFIED", "CATEGORY_UNSTABLE", "CATEGORY_MARGINAL", "CATEGORY_SUDDEN_HARDSHIP",
      "CATEGORY_FORMERLY_POOR"};
  return NameOf(value, kNames);
}

std::string_view WomenChildrenKindName(WomenChildrenKind value) {
  static constexpr std::array<std::string_view, 7> kNames = {"KIND_UNSPECIFIED",
                                                             "KIND_SINGLE_MOTHER",
                                                             "KIND_DOMESTIC_VIOLENCE_VICTIM",
                                                             "KIND_LEFT_BEHIND_WOMAN",
                                                             "KIND_LEFT_BEHIND_CHILD",
                                                             "KIND_FINANCIAL_DIFFICULTY",
                                                             "KIND_OTHER"};
  return NameOf(value, kNames);
}

std::string_view VeteranKindName(VeteranKind value) {
  static constexpr std::array<std::string_view, 4> kNames = {
      "KIND_UNSPECIFIED", "KIND_VETERAN", "KIND_ENTITLED_GROUP", "KIND_VETERAN_IN_DIFFICULTY"};
  return NameOf(value, kNames);
}

const std::string& RecordFacts::CaseNumber() const {
  static const std::string kEmpty;
  switch (kind) {
    case RecordKind::kCriminalVictim:
      return victim.case_number;
    case RecordKind::kNearRelative:
      return relative.case_number;
    case RecordKind::kAssistanceGranted:
      return assistance.case_number;
    case RecordKind::kCivilJudgment:
      return judgment.case_number;
    case RecordKind::kEnforcement:
      return enforcement.case_number;
    default:
      return kEmpty;
  }
}

}  // namespace lifeline::match
