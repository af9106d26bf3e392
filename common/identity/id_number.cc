#include "common/identity/id_number.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>

#include <unicode/utf8.h>

#include "absl/time/civil_time.h"

namespace lifeline::common {
namespace {

constexpr int kWeights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
constexpr char kCheckChars[11] = {'1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'};

// Stands in for any character that cannot be part of an ID number, so that later steps see it.
constexpr char kForeign = '?';

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

bool IsAllDigits(std::string_view s) {
  for (char c : s) {
    if (!IsDigit(c)) return false;
  }
  return true;
}

int DigitsValue(std::string_view s) {
  int value = 0;
  for (char c : s) value = value * 10 + (c - '0');
  return value;
}

}  // namespace

bool IsProvincePrefix(int prefix) {
  return (prefix >= 11 && prefix <= 15) || (prefix >= 21 && prefix <= 23) ||
         (prefix >= 31 && prefix <= 37) || (prefix >= 41 && prefix <= 46) ||
         (prefix >= 50 && prefix <= 54) || (prefix >= 61 && prefix <= 65) || prefix == 71 ||
         (prefix >= 81 && prefix <= 83);
}

bool IsRegionCode(std::string_view code) {
  return code.size() == 6 &&
         std::all_of(code.begin(), code.end(), [](char c) { return c >= '0' && c <= '9'; }) &&
         IsProvincePrefix(DigitsValue(code.substr(0, 2)));
}

namespace {

bool IsRealDate(int year, int month, int day) {
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > 31) return false;
  const absl::CivilDay civil(year, month, day);
  return civil.year() == year && civil.month() == month && civil.day() == day;
}

// Folds the harmless formatting damage of `raw` into ASCII: full-width digits and X, lower-case x,
// and removes spaces, tabs, ideographic spaces, zero-width characters and dashes. Other ASCII
// characters are kept as they are (the spreadsheet check needs '.', 'E' and '+'); anything else
// becomes kForeign. Sets `*repaired` when something was folded or removed.
std::string Fold(std::string_view raw, bool* repaired) {
  std::string out;
  out.reserve(raw.size());
  const auto* bytes = reinterpret_cast<const uint8_t*>(raw.data());
  const int32_t length = static_cast<int32_t>(raw.size());
  int32_t i = 0;
  while (i < length) {
    UChar32 c = 0;
    U8_NEXT(bytes, i, length, c);
    if (c < 0) {
      out.push_back(kForeign);
    } else if (c >= '0' && c <= '9') {
      out.push_back(static_cast<char>(c));
    } else if (c == 'X') {
      out.push_back('X');
    } else if (c == 'x' || c == 0xFF38 || c == 0xFF58) {
      out.push_back('X');
      *repaired = true;
    } else if (c >= 0xFF10 && c <= 0xFF19) {
      out.push_back(static_cast<char>('0' + (c - 0xFF10)));
      *repaired = true;
    } else if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '-' || c == 0x00A0 ||
               c == 0x3000 || c == 0xFF0D || c == 0x200B || c == 0x200C || c == 0x200D ||
               c == 0x2060 || c == 0xFEFF) {
      *repaired = true;
    } else if (c < 0x80) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back(kForeign);
    }
  }
  return out;
}

bool LooksLikeScientificNotation(std::string_view s) {
  return s.find('.') != std::string_view::npos || s.find("E+") != std::string_view::npos ||
         s.find("e+") != std::string_view::npos;
}

// The significant digits of a number a spreadsheet wrote as "3.41523198701011E+17": the mantissa
// digits when the exponent is 17 (an 18-digit number). Empty for any other form.
std::string ScientificPrefix(std::string_view s) {
  size_t e = s.find_first_of("Ee");
  if (e == std::string_view::npos || s.substr(e + 1) != "+17") return "";
  std::string digits;
  const std::string_view mantissa = s.substr(0, e);
  for (size_t i = 0; i < mantissa.size(); ++i) {
    const char c = mantissa[i];
    if (IsDigit(c)) {
      digits.push_back(c);
    } else if (c != '.' || i != 1) {
      return "";
    }
  }
  return digits.size() > 15 ? "" : digits;
}

}  // namespace

std::string_view IdNumberProblemCode(IdNumberProblem problem) {
  switch (problem) {
    case IdNumberProblem::kNone:
      return "";
    case IdNumberProblem::kEmpty:
      return "ID_EMPTY";
    case IdNumberProblem::kSpreadsheetDamage:
      return "ID_SPREADSHEET_DAMAGE";
    case IdNumberProblem::kBadCharacter:
      return "ID_BAD_CHARACTER";
    case IdNumberProblem::kBadLength:
      return "ID_BAD_LENGTH";
    case IdNumberProblem::kBadRegion:
      return "ID_BAD_REGION";
    case IdNumberProblem::kBadBirthDate:
      return "ID_BAD_BIRTH_DATE";
    case IdNumberProblem::kBadCheckDigit:
      return "ID_CHECK_DIGIT";
  }
  return "";
}

char IdCheckCharacter(std::string_view first17) {
  int sum = 0;
  for (size_t i = 0; i < 17 && i < first17.size(); ++i) {
    sum += (first17[i] - '0') * kWeights[i];
  }
  return kCheckChars[sum % 11];
}

ParsedIdNumber ParseIdNumber(std::string_view raw) {
  ParsedIdNumber result;
  const std::string folded = Fold(raw, &result.repaired);
  if (folded.empty()) {
    result.problem = IdNumberProblem::kEmpty;
    return result;
  }
  if (LooksLikeScientificNotation(folded)) {
    result.problem = IdNumberProblem::kSpreadsheetDamage;
    result.spreadsheet_prefix = ScientificPrefix(folded);
    return result;
  }
  // Digits everywhere; an X only as the check character of an 18-character number.
  const std::string_view body = std::string_view(folded).substr(0, folded.size() - 1);
  const char last = folded.back();
  const bool x_allowed = folded.size() == 18;
  if (!IsAllDigits(body) || !(IsDigit(last) || (last == 'X' && x_allowed))) {
    result.problem = IdNumberProblem::kBadCharacter;
    return result;
  }
  if (folded.size() != 15 && folded.size() != 18) {
    result.problem = IdNumberProblem::kBadLength;
    result.digits = folded;
    return result;
  }

  std::string canonical;
  if (folded.size() == 15) {
    result.upgraded_from_15 = true;
    canonical = folded.substr(0, 6) + "19" + folded.substr(6);
    canonical.push_back(IdCheckCharacter(canonical));
  } else {
    canonical = folded;
    // A spreadsheet keeps 15 significant digits and zeroes the rest; a valid number may end in
    // "000", so only a failing check character makes the zeros suspicious.
    if (canonical.compare(15, 3, "000") == 0 &&
        IdCheckCharacter(std::string_view(canonical).substr(0, 17)) != '0') {
      result.problem = IdNumberProblem::kSpreadsheetDamage;
      result.spreadsheet_prefix = canonical.substr(0, 15);
      return result;
    }
  }
  result.canonical = canonical;
  result.digits = canonical;
  const std::string_view id(result.canonical);
  result.sex = (id[16] - '0') % 2 == 1 ? 1 : 2;

  const bool region_ok = IsProvincePrefix(DigitsValue(id.substr(0, 2)));
  if (region_ok) result.region_code = std::string(id.substr(0, 6));
  const bool date_ok = IsRealDate(DigitsValue(id.substr(6, 4)), DigitsValue(id.substr(10, 2)),
                                  DigitsValue(id.substr(12, 2)));
  if (date_ok) {
    result.birth_date = std::string(id.substr(6, 4)) + "-" + std::string(id.substr(10, 2)) + "-" +
                        std::string(id.substr(12, 2));
  }
  if (!region_ok) {
    result.problem = IdNumberProblem::kBadRegion;
  } else if (!date_ok) {
    result.problem = IdNumberProblem::kBadBirthDate;
  } else if (IdCheckCharacter(id.substr(0, 17)) != id[17]) {
    result.problem = IdNumberProblem::kBadCheckDigit;
  }
  return result;
}

std::string MaskIdNumbersInText(std::string_view text, int* masked) {
  constexpr size_t kShortestIdLike = 15;
  std::string out;
  out.reserve(text.size());
  int count = 0;
  size_t i = 0;
  while (i < text.size()) {
    if (text[i] < '0' || text[i] > '9') {
      out.push_back(text[i++]);
      continue;
    }
    size_t end = i;
    while (end < text.size() && text[end] >= '0' && text[end] <= '9') ++end;
    if (end - i == 17 && end < text.size() && (text[end] == 'X' || text[end] == 'x')) ++end;
    const std::string_view run = text.substr(i, end - i);
    if (run.size() >= kShortestIdLike) {
      out += MaskIdNumber(run);
      ++count;
    } else {
      out.append(run);
    }
    i = end;
  }
  if (masked != nullptr) *masked = count;
  return out;
}

std::string MaskIdNumber(std::string_view id_number) {
  constexpr size_t kShown = 4;
  for (char c : id_number) {
    // Unrepaired input (full-width digits) cannot be cut by bytes: hide it all, one '*' each.
    if (static_cast<unsigned char>(c) >= 0x80) {
      const auto* bytes = reinterpret_cast<const uint8_t*>(id_number.data());
      const int32_t length = static_cast<int32_t>(id_number.size());
      int32_t i = 0;
      size_t count = 0;
      while (i < length) {
        UChar32 ignored = 0;
        U8_NEXT(bytes, i, length, ignored);
        ++count;
      }
      return std::string(count, '*');
    }
  }
  // A damaged number of 9 to 14 characters would show most of itself: hide it all.
  constexpr size_t kShortestShown = 15;
  if (id_number.size() < kShortestShown) return std::string(id_number.size(), '*');
  std::string masked(id_number);
  for (size_t i = kShown; i < masked.size() - kShown; ++i) masked[i] = '*';
  return masked;
}

}  // namespace lifeline::common
