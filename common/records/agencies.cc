#include "common/records/agencies.h"

namespace lifeline::common {

using records::v1::Record;

const std::vector<AgencyInfo>& Agencies() {
  static const std::vector<AgencyInfo>* const kAgencies = new std::vector<AgencyInfo>{
      {"procuratorate",
       {Record::kCriminalVictim, Record::kNearRelative, Record::kAssistanceGranted},
       false},
      {"court", {Record::kCivilJudgment, Record::kEnforcement, Record::kAssistanceGranted}, false},
      {"civil_affairs", {Record::kSocialAssistance}, true},
      {"disabled_persons_federation", {Record::kDisabilityCertificate}, true},
      {"rural_revitalization", {Record::kPovertyMonitoring}, true},
      {"womens_federation", {Record::kWomenChildrenDifficulty}, true},
      {"ex_servicemen_affairs", {Record::kVeteranStatus}, true},
      {"medical_security", {Record::kMedicalExpense}, true},
  };
  return *kAgencies;
}

const AgencyInfo* FindAgency(std::string_view code) {
  for (const AgencyInfo& agency : Agencies()) {
    if (agency.code == code) return &agency;
  }
  return nullptr;
}

bool IsHardshipAgency(std::string_view code) {
  const AgencyInfo* agency = FindAgency(code);
  return agency != nullptr && agency->shows_hardship;
}

}  // namespace lifeline::common
