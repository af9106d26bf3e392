// Normalization of names and phones shared by ingest-service and match-service.
#pragma once

#include <string>
#include <string_view>

namespace lifeline::common {

// Normalizes a person's name for comparison with DefaultNameNormalizer() (name_normalizer.h):
// Unicode NFKC with case folding (full-width forms folded, Latin letters lower-cased), whitespace
// (including ideographic space), zero-width characters and middle dots removed, traditional Han
// characters turned into simplified ones (OpenCC t2s, character by character). Invalid UTF-8
// yields "". The original stays with the record for display.
std::string NormalizeName(std::string_view name);

// Returns the pinyin of a person's name with DefaultNameNormalizer(): "zhang wei" for 张伟, 張偉
// and 张玮; lower-case ASCII syllables without tones (ü written "u": 吕 → "lu"), one space apart;
// other characters pass through case-folded. A function of NormalizeName(name). Invalid UTF-8
// yields "".
std::string NamePinyin(std::string_view name);

// Normalizes a phone number: digits only, "+86"/"0086" country prefix removed, full-width digits
// folded. Returns "" when fewer than 7 digits remain.
std::string NormalizePhone(std::string_view phone);

}  // namespace lifeline::common
