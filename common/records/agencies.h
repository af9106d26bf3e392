// The agencies that send records to Lifeline (DOMAIN.md): each one's code, the payload kinds it
// may send, and whether its records can show hardship. The one list every service and tool
// reads.
#pragma once

#include <string_view>
#include <vector>

#include "lifeline/records/v1/records.pb.h"

namespace lifeline::common {

// One agency.
struct AgencyInfo {
  // Agency code as records.proto names it, e.g. "civil_affairs".
  std::string_view code;
  // Payload kinds (Record's oneof) the agency may send.
  std::vector<records::v1::Record::PayloadCase> payloads;
  // Whether the agency's records say a person is in hardship (poverty, disability, difficulty,
  // medical costs): every agency but the procuratorate and the court.
  bool shows_hardship = false;
};

// Every agency Lifeline knows, in a fixed order. Immutable and thread-safe.
const std::vector<AgencyInfo>& Agencies();

// Returns the agency with `code`, or nullptr when Lifeline does not know it.
const AgencyInfo* FindAgency(std::string_view code);

// Returns whether records of the agency with `code` can show hardship; false for an unknown one.
bool IsHardshipAgency(std::string_view code);

}  // namespace lifeline::common
