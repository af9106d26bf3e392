#include "ingest-service/domain/agency_catalog.h"

#include <algorithm>

namespace lifeline::ingest {

const AgencyCatalog& AgencyCatalog::Default() {
  static const AgencyCatalog* const kCatalog = new AgencyCatalog({
      {"procuratorate", {"criminal_victim", "near_relative", "assistance_granted"}},
      {"court", {"civil_judgment", "enforcement", "assistance_granted"}},
      {"civil_affairs", {"social_assistance"}},
      {"disabled_persons_federation", {"disability_certificate"}},
      {"rural_revitalization", {"poverty_monitoring"}},
      {"womens_federation", {"women_children_difficulty"}},
      {"ex_servicemen_affairs", {"veteran_status"}},
      {"medical_security", {"medical_expense"}},
  });
  return *kCatalog;
}

const Agency* AgencyCatalog::Find(std::string_view code) const {
  for (const Agency& agency : agencies_) {
    if (agency.code == code) return &agency;
  }
  return nullptr;
}

bool AgencyCatalog::Allows(std::string_view agency, std::string_view kind) const {
  const Agency* found = Find(agency);
  if (found == nullptr) return false;
  return std::find(found->payload_kinds.begin(), found->payload_kinds.end(), kind) !=
         found->payload_kinds.end();
}

}  // namespace lifeline::ingest
