#include "common/identity/normalize.h"

#include <cstdint>
#include <string>
#include <string_view>

#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/utf8.h>

namespace lifeline::common {
namespace {

// The NFKC normalizer; ICU owns it. Null if ICU's data is unusable.
const icu::Normalizer2* Nfkc() {
  static const icu::Normalizer2* const nfkc = [] {
    UErrorCode error = U_ZERO_ERROR;
    const icu::Normalizer2* instance = icu::Normalizer2::getNFKCInstance(error);
    return U_SUCCESS(error) ? instance : nullptr;
  }();
  return nfkc;
}

bool IsValidUtf8(std::string_view text) {
  const auto* bytes = reinterpret_cast<const uint8_t*>(text.data());
  const int32_t length = static_cast<int32_t>(text.size());
  int32_t i = 0;
  while (i < length) {
    UChar32 c = 0;
    U8_NEXT(bytes, i, length, c);
    if (c < 0) return false;
  }
  return true;
}

// Separators people put inside names: middle dots of every script and font ("阿卜杜·热合曼"),
// and a plain full stop typed when the dot was not at hand.
bool IsNameSeparator(UChar32 c) {
  switch (c) {
    case 0x002E:  // FULL STOP (also what NFKC makes of U+FF0E)
    case 0x00B7:  // MIDDLE DOT
    case 0x2022:  // BULLET
    case 0x2027:  // HYPHENATION POINT
    case 0x30FB:  // KATAKANA MIDDLE DOT (also what NFKC makes of U+FF65)
    case 0xFF65:  // HALFWIDTH KATAKANA MIDDLE DOT
    case 0x22C5:  // DOT OPERATOR
    case 0x2219:  // BULLET OPERATOR
      return true;
    default:
      return false;
  }
}

bool IsInvisible(UChar32 c) {
  return c == 0x200B || c == 0x200C || c == 0x200D || c == 0x2060 || c == 0xFEFF ||
         u_isUWhiteSpace(c) || u_charType(c) == U_FORMAT_CHAR;
}

// Returns the ASCII digit for an ASCII or full-width digit, or -1.
int DigitValue(UChar32 c) {
  if (c >= '0' && c <= '9') return static_cast<int>(c - '0');
  if (c >= 0xFF10 && c <= 0xFF19) return static_cast<int>(c - 0xFF10);
  return -1;
}

}  // namespace

std::string NormalizeName(std::string_view name) {
  if (!IsValidUtf8(name)) return "";
  const icu::Normalizer2* nfkc = Nfkc();
  if (nfkc == nullptr) return "";
  const icu::UnicodeString input = icu::UnicodeString::fromUTF8(
      icu::StringPiece(name.data(), static_cast<int32_t>(name.size())));
  UErrorCode error = U_ZERO_ERROR;
  const icu::UnicodeString normalized = nfkc->normalize(input, error);
  if (U_FAILURE(error)) return "";
  icu::UnicodeString kept;
  for (int32_t i = 0; i < normalized.length();) {
    const UChar32 c = normalized.char32At(i);
    i += U16_LENGTH(c);
    if (IsInvisible(c) || IsNameSeparator(c)) continue;
    kept.append(c);
  }
  std::string out;
  kept.toUTF8String(out);
  return out;
}

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
