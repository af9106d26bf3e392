#include "common/identity/normalize.h"

#include <cstdint>
#include <string>
#include <string_view>

#include <unicode/utf8.h>

#include "common/identity/name_normalizer.h"

namespace lifeline::common {
namespace {

// Returns the ASCII digit for an ASCII or full-width digit, or -1.
int DigitValue(UChar32 c) {
  if (c >= '0' && c <= '9') return static_cast<int>(c - '0');
  if (c >= 0xFF10 && c <= 0xFF19) return static_cast<int>(c - 0xFF10);
  return -1;
}

}  // namespace

std::string NormalizeName(std::string_view name) {
  return DefaultNameNormalizer().NormalizeName(name);
}

std::string NamePinyin(std::string_view name) { return DefaultNameNormalizer().Pinyin(name); }

std::string NormalizePhone(std::string_view phone) {
  constexpr size_t kMinDigits = 7;
  const auto* bytes = reinterpret_cast<const uint8_t*>(phone.data());
  const int32_t length = static_cast<int32_t>(phone.size());
  std::string digits;
  bool plus_before_digits = false;
  int32_t i = 0;
  while (i < length) {
    UChar32 c = 0;
    U8_NEXT(bytes, i, length, c);
    const int digit = DigitValue(c);
    if (digit >= 0) {
      digits.push_back(static_cast<char>('0' + digit));
    } else if ((c == '+' || c == 0xFF0B) && digits.empty()) {
      plus_before_digits = true;
    }
  }
  if (digits.rfind("0086", 0) == 0) {
    digits.erase(0, 4);
  } else if (digits.rfind("86", 0) == 0 &&
             (plus_before_digits || (digits.size() == 13 && digits[2] == '1'))) {
    // "+86 ..." or a bare "86" followed by an 11-digit mobile number.
    digits.erase(0, 2);
  }
  if (digits.size() < kMinDigits) return "";
  return digits;
}

}  // namespace lifeline::common
