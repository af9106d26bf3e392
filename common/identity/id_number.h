// Chinese resident identity numbers (GB 11643-1999): repair of harmless formatting damage,
// validation, and the 15 -> 18 digit upgrade.
#pragma once

#include <string>
#include <string_view>

namespace lifeline::common {

// What is wrong with an ID number, worst first in the order a parser finds it.
enum class IdNumberProblem {
  kNone,
  kEmpty,
  // Looks like a spreadsheet turned it into a number ("3.41523E+17", or 18 digits ending in
  // "000" whose check character fails). Never guessed back: canonical stays empty.
  kSpreadsheetDamage,
  // Characters other than digits and a final X.
  kBadCharacter,
  // Neither 15 nor 18 characters.
  kBadLength,
  // The first two digits are not a province-level division (11-15, 21-23, 31-37, 41-46, 50-54,
  // 61-65, 71, 81, 82) or 83 (Taiwan residents' residence permits). Abolished county codes below
  // that level are not rejected.
  kBadRegion,
  // The birth date part is not a real calendar date.
  kBadBirthDate,
  // 18 characters, well-formed, but the check character does not match.
  kBadCheckDigit,
};

// Stable reason code for a problem, e.g. "ID_CHECK_DIGIT"; "" for kNone.
std::string_view IdNumberProblemCode(IdNumberProblem problem);

// Result of parsing an ID number. Never contains more than the input did.
struct ParsedIdNumber {
  // Canonical form: 18 ASCII characters with upper-case X, after repair and upgrade. Filled
  // whenever the input had 15 or 18 usable characters (also for kBadRegion, kBadBirthDate and
  // kBadCheckDigit), empty otherwise (including kSpreadsheetDamage).
  std::string canonical;
  IdNumberProblem problem = IdNumberProblem::kNone;
  // Full-width characters, spaces, dashes or a lower-case x were repaired.
  bool repaired = false;
  // The input was a legacy 15-digit number.
  bool upgraded_from_15 = false;
  // Derived fields, filled when the corresponding part is valid.
  std::string birth_date;   // "YYYY-MM-DD"
  int sex = 0;              // 1 male (odd sequence), 2 female (even), 0 unknown
  std::string region_code;  // first 6 digits
  // What can still be compared when the number is not valid (near matching, never identity):
  // the repaired characters when they are all digits (and a final X) whatever their length, the
  // 18-character upgrade of a 15-digit number; empty for spreadsheet damage and bad characters.
  std::string digits;
  // The leading digits a spreadsheet kept: the first 15 of an 18-digit number whose last three
  // were zeroed, or the mantissa digits of "3.41523198701011E+17". Empty otherwise. Never
  // completed into a number: only compared as a prefix.
  std::string spreadsheet_prefix;
};

// Parses, repairs and validates `raw`. Never fails hard: the problem field says what is wrong.
// Does not judge plausibility of the birth date (an 1880 date is a valid number).
ParsedIdNumber ParseIdNumber(std::string_view raw);

// Computes the GB 11643 check character ('0'-'9' or 'X') of the first 17 digits.
// `first17` must be 17 ASCII digits.
char IdCheckCharacter(std::string_view first17);

// True for a province-level prefix of GB/T 2260 (11 Beijing ... 65 Xinjiang, 71 Taiwan, 81 Hong
// Kong, 82 Macao), and 83, which begins the residence-permit numbers of Taiwan residents
// (830000; those of Hong Kong and Macao residents begin 810000 and 820000).
bool IsProvincePrefix(int prefix);

// True for a 6-digit administrative division code whose first two digits are a province-level
// division. Abolished but well-formed county codes pass (old ID numbers still carry them).
bool IsRegionCode(std::string_view code);

// Masks an ID number for display: first 4 and last 4 characters, the rest '*'
// ("3415**********123X"). Inputs shorter than 15 characters (damaged numbers) are masked
// entirely.
std::string MaskIdNumber(std::string_view id_number);

// Masks, in free text (an address, a note), every run of 15 or more ASCII digits (an ID number,
// old or new, a bank card), with a trailing 'X' or 'x' when the run has 17 digits, as
// MaskIdNumber does; everything else is kept. Sets `*masked` (when not null) to the number of
// runs masked.
std::string MaskIdNumbersInText(std::string_view text, int* masked = nullptr);

}  // namespace lifeline::common
