// Normalization of names and phones shared by ingest-service and match-service.
#pragma once

#include <string>
#include <string_view>

namespace lifeline::common {

// Normalizes a person's name for comparison: Unicode NFKC (full-width forms folded), whitespace
// (including ideographic space and zero-width characters) and middle dots removed. Invalid UTF-8
// yields "". The original stays with the record for display.
std::string NormalizeName(std::string_view name);

// Normalizes a phone number: digits only, "+86"/"0086" country prefix removed, full-width digits
// folded. Returns "" when fewer than 7 digits remain.
std::string NormalizePhone(std::string_view phone);

}  // namespace lifeline::common
