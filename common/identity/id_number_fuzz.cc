// Fuzz target for the ID-number parser (`make fuzz`; its seed corpus testdata/id_corpus is
// replayed by the unit test id_number_fuzz_replay). The input is parsed as it is; its first 17
// bytes (as digits) also make an 18-digit number with a correct check character, which is parsed
// plain, with formatting damage from the remaining bytes, and cut back to its 15-digit form. Each
// result is checked against an independent reading of GB 11643: regions, calendar dates, check
// characters, the derived fields, idempotence on the canonical form, and what MaskIdNumber shows.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "common/identity/id_number.h"
#include "common/testing/fuzz_check.h"

namespace lifeline::common {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

int Number(std::string_view digits) {
  int value = 0;
  for (const char c : digits) value = value * 10 + (c - '0');
  return value;
}

bool IsProvince(int prefix) {
  static constexpr int kProvinces[] = {11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34,
                                       35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52,
                                       53, 54, 61, 62, 63, 64, 65, 71, 81, 82};
  for (const int province : kProvinces) {
    if (prefix == province) return true;
  }
  return false;
}

// `yyyymmdd` is 8 digits.
bool IsCalendarDate(std::string_view yyyymmdd) {
  const int year = Number(yyyymmdd.substr(0, 4));
  const int month = Number(yyyymmdd.substr(4, 2));
  const int day = Number(yyyymmdd.substr(6, 2));
  if (year < 1 || month < 1 || month > 12 || day < 1) return false;
  constexpr int kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return day <= kDays[month - 1] + (month == 2 && leap ? 1 : 0);
}

// The check character by the textbook formula: weights 2^(17-i) mod 11, ISO 7064 MOD 11-2.
char CheckCharacter(std::string_view first17) {
  int sum = 0;
  int weight = 1;
  for (int i = 16; i >= 0; --i) {
    weight = weight * 2 % 11;
    sum += (first17[i] - '0') * weight;
  }
  const int value = (12 - sum % 11) % 11;
  return value == 10 ? 'X' : static_cast<char>('0' + value);
}

bool HasCanonical(IdNumberProblem problem) {
  return problem == IdNumberProblem::kNone || problem == IdNumberProblem::kBadRegion ||
         problem == IdNumberProblem::kBadBirthDate || problem == IdNumberProblem::kBadCheckDigit;
}

void CheckMask(std::string_view raw) {
  const std::string masked = MaskIdNumber(raw);
  bool ascii = true;
  for (const char c : raw) ascii = ascii && static_cast<unsigned char>(c) < 0x80;
  size_t visible = 0;
  for (const char c : masked) visible += c != '*' ? 1 : 0;
  FUZZ_CHECK(visible <= 8);
  if (!ascii || raw.size() < 15) {
    FUZZ_CHECK(visible == 0);
    return;
  }
  FUZZ_CHECK(masked.size() == raw.size());
  for (size_t i = 0; i < masked.size(); ++i) {
    const bool shown = i < 4 || i >= masked.size() - 4;
    FUZZ_CHECK(masked[i] == (shown ? raw[i] : '*'));
  }
}

// Checks everything ParseIdNumber promises about `parsed`, the result for `raw`.
void CheckParsed(std::string_view raw, const ParsedIdNumber& parsed) {
  FUZZ_CHECK(IdNumberProblemCode(parsed.problem).empty() ==
             (parsed.problem == IdNumberProblem::kNone));
  CheckMask(raw);
  const std::string& id = parsed.canonical;
  FUZZ_CHECK(id.empty() != HasCanonical(parsed.problem));
  if (id.empty()) {
    FUZZ_CHECK(parsed.birth_date.empty() && parsed.region_code.empty() && parsed.sex == 0 &&
               !parsed.upgraded_from_15);
    return;
  }
  FUZZ_CHECK(id.size() == 18);
  for (size_t i = 0; i < 17; ++i) FUZZ_CHECK(IsDigit(id[i]));
  FUZZ_CHECK(IsDigit(id[17]) || id[17] == 'X');
  FUZZ_CHECK(IdCheckCharacter(id.substr(0, 17)) == CheckCharacter(id.substr(0, 17)));

  const bool region_ok = IsProvince(Number(id.substr(0, 2)));
  const bool date_ok = IsCalendarDate(id.substr(6, 8));
  const bool check_ok = CheckCharacter(id.substr(0, 17)) == id[17];
  const IdNumberProblem expected = !region_ok  ? IdNumberProblem::kBadRegion
                                   : !date_ok  ? IdNumberProblem::kBadBirthDate
                                   : !check_ok ? IdNumberProblem::kBadCheckDigit
                                               : IdNumberProblem::kNone;
  FUZZ_CHECK(parsed.problem == expected);
  FUZZ_CHECK(parsed.region_code == (region_ok ? id.substr(0, 6) : ""));
  FUZZ_CHECK(parsed.birth_date ==
             (date_ok ? id.substr(6, 4) + "-" + id.substr(10, 2) + "-" + id.substr(12, 2) : ""));
  FUZZ_CHECK(parsed.sex == ((id[16] - '0') % 2 == 1 ? 1 : 2));
  if (parsed.upgraded_from_15) FUZZ_CHECK(id.compare(6, 2, "19") == 0 && check_ok);
  if (!parsed.repaired && !parsed.upgraded_from_15) FUZZ_CHECK(raw == id);

  const ParsedIdNumber again = ParseIdNumber(id);
  FUZZ_CHECK(again.canonical == id && again.problem == parsed.problem && !again.repaired &&
             !again.upgraded_from_15 && again.birth_date == parsed.birth_date &&
             again.sex == parsed.sex && again.region_code == parsed.region_code);
  const std::string masked = MaskIdNumber(id);
  FUZZ_CHECK(masked == id.substr(0, 4) + std::string(10, '*') + id.substr(14));
}

// Writes `id` with harmless formatting damage chosen by `noise`: full-width digits and X,
// lower-case x, spaces, dashes and ideographic spaces between characters.
std::string Damage(std::string_view id, std::string_view noise) {
  std::string out;
  for (size_t i = 0; i < id.size(); ++i) {
    const int choice = i < noise.size() ? static_cast<unsigned char>(noise[i]) % 7 : 0;
    if (choice == 2) out.push_back(' ');
    if (choice == 3) out.push_back('-');
    if (choice == 4) out.append("\xE3\x80\x80");  // U+3000 ideographic space
    if (choice != 1) {
      out.push_back(id[i] == 'X' && choice == 5 ? 'x' : id[i]);
    } else if (id[i] == 'X') {
      out.append("\xEF\xBC\xB8");  // U+FF38 full-width X
    } else {
      out.append("\xEF\xBC");
      out.push_back(static_cast<char>(0x90 + (id[i] - '0')));  // U+FF10 + digit
    }
  }
  return out;
}

void CheckMadeUpNumber(std::string_view seed) {
  std::string first17;
  for (size_t i = 0; i < 17; ++i)
    first17.push_back(static_cast<char>('0' + static_cast<unsigned char>(seed[i]) % 10));
  const char check = IdCheckCharacter(first17);
  FUZZ_CHECK(check == CheckCharacter(first17));
  // MOD 11-2 catches every single wrong digit and every swap of two different neighbours.
  for (size_t i = 0; i < 17; ++i) {
    std::string changed = first17;
    changed[i] = static_cast<char>('0' + (changed[i] - '0' + 1) % 10);
    FUZZ_CHECK(IdCheckCharacter(changed) != check);
    if (i < 16 && first17[i] != first17[i + 1]) {
      changed = first17;
      std::swap(changed[i], changed[i + 1]);
      FUZZ_CHECK(IdCheckCharacter(changed) != check);
    }
  }

  const std::string id = first17 + check;
  const ParsedIdNumber parsed = ParseIdNumber(id);
  CheckParsed(id, parsed);
  FUZZ_CHECK(parsed.canonical == id && !parsed.repaired);

  const std::string damaged = Damage(id, seed.substr(17));
  const ParsedIdNumber repaired = ParseIdNumber(damaged);
  CheckParsed(damaged, repaired);
  FUZZ_CHECK(repaired.canonical == id && repaired.problem == parsed.problem &&
             repaired.repaired == (damaged != id));

  const std::string legacy = first17.substr(0, 6) + first17.substr(8, 9);
  const ParsedIdNumber upgraded = ParseIdNumber(legacy);
  CheckParsed(legacy, upgraded);
  std::string expected = first17.substr(0, 6) + "19" + first17.substr(8, 9);
  expected.push_back(CheckCharacter(expected));
  FUZZ_CHECK(upgraded.canonical == expected && upgraded.upgraded_from_15 && !upgraded.repaired);
}

}  // namespace
}  // namespace lifeline::common

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace lifeline::common;  // NOLINT(google-build-using-namespace)
  const std::string_view raw(reinterpret_cast<const char*>(data), size);
  CheckParsed(raw, ParseIdNumber(raw));
  if (size >= 17) CheckMadeUpNumber(raw);
  return 0;
}
