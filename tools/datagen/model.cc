#include "tools/datagen/model.h"

#include "absl/strings/str_format.h"

namespace lifeline::datagen {

const char* PayloadKind(const lifeline::records::v1::Record& record) {
  const auto* field = record.GetDescriptor()->FindOneofByName("payload");
  const auto* set = record.GetReflection()->GetOneofFieldDescriptor(record, field);
  return set == nullptr ? "" : set->name().c_str();
}

std::string Date::ToString() const { return absl::StrFormat("%04d-%02d-%02d", year, month, day); }

std::string Date::Compact() const { return absl::StrFormat("%04d%02d%02d", year, month, day); }

const char* CategoryCode(EligibleCategory category) {
  switch (category) {
    case EligibleCategory::kSeriousInjury:
      return "serious_injury";
    case EligibleCategory::kUrgentTreatment:
      return "urgent_treatment";
    case EligibleCategory::kDependantOfKilled:
      return "dependant_of_killed";
    case EligibleCategory::kPropertyLoss:
      return "property_loss";
    case EligibleCategory::kCivilTort:
      return "civil_tort";
  }
  return "unknown";
}

const char* NearMissCode(NearMissReason reason) {
  switch (reason) {
    case NearMissReason::kCompensationPaid:
      return "compensation_paid";
    case NearMissReason::kAlreadyAssisted:
      return "already_assisted";
    case NearMissReason::kVictimMajorFault:
      return "victim_major_fault";
    case NearMissReason::kNoHardship:
      return "no_hardship";
    case NearMissReason::kMinorInjuryOnly:
      return "minor_injury_only";
  }
  return "unknown";
}

}  // namespace lifeline::datagen
