#include "common/identity/id_number.h"

#include <string>

#include <gtest/gtest.h>

namespace lifeline::common {
namespace {

// Check characters below were computed independently of IdCheckCharacter (by hand from the
// GB 11643 weights), so a wrong weight or table fails these tests.
struct ValidCase {
  const char* raw;
  const char* canonical;
  const char* birth_date;
  int sex;
  bool repaired;
  bool upgraded;
};

TEST(ParseIdNumberTest, AcceptsValidNumbersAndDerivesFields) {
  const ValidCase cases[] = {
      // The standard's own example.
      {"11010519491231002X", "11010519491231002X", "1949-12-31", 2, false, false},
      {"341523198001011236", "341523198001011236", "1980-01-01", 1, false, false},
      {"440300199912314563", "440300199912314563", "1999-12-31", 2, false, false},
      {"650102200002290087", "650102200002290087", "2000-02-29", 2, false, false},
      {"532501197006151223", "532501197006151223", "1970-06-15", 2, false, false},
      // An 1880 birth date is a valid number; plausibility is not the parser's business.
      {"810000188001010015", "810000188001010015", "1880-01-01", 1, false, false},
      // A genuine number ending in "000" is not spreadsheet damage.
      {"341523198001051000", "341523198001051000", "1980-01-05", 2, false, false},
      // Legacy 15-digit numbers: "19" inserted, check character computed.
      {"341523800101123", "341523198001011236", "1980-01-01", 1, false, true},
      {"110105491231002", "11010519491231002X", "1949-12-31", 2, false, true},
  };
  for (const ValidCase& c : cases) {
    const ParsedIdNumber parsed = ParseIdNumber(c.raw);
    EXPECT_EQ(parsed.problem, IdNumberProblem::kNone) << c.raw;
    EXPECT_EQ(parsed.canonical, c.canonical) << c.raw;
    EXPECT_EQ(parsed.birth_date, c.birth_date) << c.raw;
    EXPECT_EQ(parsed.sex, c.sex) << c.raw;
    EXPECT_EQ(parsed.region_code, std::string(c.canonical).substr(0, 6)) << c.raw;
    EXPECT_EQ(parsed.repaired, c.repaired) << c.raw;
    EXPECT_EQ(parsed.upgraded_from_15, c.upgraded) << c.raw;
  }
}

TEST(ParseIdNumberTest, RepairsHarmlessFormatting) {
  struct Case {
    const char* raw;
    const char* canonical;
  };
  const Case cases[] = {
      {"11010519491231002x", "11010519491231002X"},                    // lower-case x
      {"１１０１０５１９４９１２３１００２Ｘ", "11010519491231002X"},  // full-width
      {"11010519491231002ｘ", "11010519491231002X"},                   // full-width x
      {"110105 19491231 002X", "11010519491231002X"},                  // spaces
      {" 11010519491231002X ", "11010519491231002X"},                  // surrounding spaces
      {"110105-19491231-002X", "11010519491231002X"},                  // dashes
      {"110105\t19491231\t002X", "11010519491231002X"},                // tabs
      {"110105\xE3\x80\x80"
       "19491231002X",
       "11010519491231002X"},  // ideographic space U+3000
      {"1101051949\xE2\x80\x8B"
       "1231002X",
       "11010519491231002X"},                                      // zero-width space
      {"３４１５２３ ８００１０１ １２３", "341523198001011236"},  // full-width legacy 15
  };
  for (const Case& c : cases) {
    const ParsedIdNumber parsed = ParseIdNumber(c.raw);
    EXPECT_EQ(parsed.problem, IdNumberProblem::kNone) << c.raw;
    EXPECT_EQ(parsed.canonical, c.canonical) << c.raw;
    EXPECT_TRUE(parsed.repaired) << c.raw;
  }
}

struct ProblemCase {
  const char* raw;
  IdNumberProblem problem;
  const char* canonical;  // expected canonical ("" when none)
};

TEST(ParseIdNumberTest, ReportsEachProblem) {
  const ProblemCase cases[] = {
      {"", IdNumberProblem::kEmpty, ""},
      {"   ", IdNumberProblem::kEmpty, ""},
      {"\xE3\x80\x80", IdNumberProblem::kEmpty, ""},
      {"3.41523E+17", IdNumberProblem::kSpreadsheetDamage, ""},
      {"3.41523e+17", IdNumberProblem::kSpreadsheetDamage, ""},
      {"341523198001011236.0", IdNumberProblem::kSpreadsheetDamage, ""},
      {"3,41523E+17", IdNumberProblem::kSpreadsheetDamage, ""},
      // Trailing digits zeroed and the check fails (the real number ends 1236).
      {"341523198001010000", IdNumberProblem::kSpreadsheetDamage, ""},
      {"34152319800101123A", IdNumberProblem::kBadCharacter, ""},
      {"3415231980X1011236", IdNumberProblem::kBadCharacter, ""},
      {"34152380010112X", IdNumberProblem::kBadCharacter, ""},  // no X in a 15-digit number
      {"张341523198001011236", IdNumberProblem::kBadCharacter, ""},
      {"34152319800101123\xFF", IdNumberProblem::kBadCharacter, ""},  // invalid UTF-8
      {"34152319800101123", IdNumberProblem::kBadLength, ""},         // 17
      {"3415231980010112366", IdNumberProblem::kBadLength, ""},       // 19
      {"3415231980010112361", IdNumberProblem::kBadLength, ""},       // disability cert suffix
      {"1234567", IdNumberProblem::kBadLength, ""},
      {"001523198001011236", IdNumberProblem::kBadRegion, "001523198001011236"},
      {"991523198001011236", IdNumberProblem::kBadRegion, "991523198001011236"},
      {"161523198001011236", IdNumberProblem::kBadRegion, "161523198001011236"},
      {"721523198001011236", IdNumberProblem::kBadRegion, "721523198001011236"},
      {"341523202302291236", IdNumberProblem::kBadBirthDate, "341523202302291236"},  // 2023-02-29
      {"341523202313011236", IdNumberProblem::kBadBirthDate, "341523202313011236"},  // month 13
      {"341523198000011236", IdNumberProblem::kBadBirthDate, "341523198000011236"},  // month 0
      {"341523198004311236", IdNumberProblem::kBadBirthDate, "341523198004311236"},  // Apr 31
      {"341523000001011236", IdNumberProblem::kBadBirthDate, "341523000001011236"},  // year 0
      {"341523810229123", IdNumberProblem::kBadBirthDate, "341523198102291230"},  // 15: 1981-02-29
      {"341523198001011237", IdNumberProblem::kBadCheckDigit, "341523198001011237"},
      {"11010519491231002 1", IdNumberProblem::kBadCheckDigit, "110105194912310021"},
      {"341523198001011230", IdNumberProblem::kBadCheckDigit, "341523198001011230"},
  };
  for (const ProblemCase& c : cases) {
    const ParsedIdNumber parsed = ParseIdNumber(c.raw);
    EXPECT_EQ(parsed.problem, c.problem) << c.raw;
    EXPECT_EQ(parsed.canonical, c.canonical) << c.raw;
  }
}

TEST(ParseIdNumberTest, DerivedFieldsFollowTheValidParts) {
  const ParsedIdNumber bad_date = ParseIdNumber("341523202302291236");
  EXPECT_EQ(bad_date.birth_date, "");
  EXPECT_EQ(bad_date.region_code, "341523");

  const ParsedIdNumber bad_region = ParseIdNumber("991523198001011236");
  EXPECT_EQ(bad_region.region_code, "");
  EXPECT_EQ(bad_region.birth_date, "1980-01-01");

  const ParsedIdNumber bad_check = ParseIdNumber("341523198001011237");
  EXPECT_EQ(bad_check.birth_date, "1980-01-01");
  EXPECT_EQ(bad_check.region_code, "341523");
  EXPECT_EQ(bad_check.sex, 1);

  const ParsedIdNumber empty = ParseIdNumber("");
  EXPECT_EQ(empty.sex, 0);
  EXPECT_FALSE(empty.repaired);
}

TEST(ParseIdNumberTest, KeepsWhatADamagedNumberStillHasForComparison) {
  // Mistyped check character, and a doubled digit (19): the digits stay for near matching.
  EXPECT_EQ(ParseIdNumber("341523198001011237").digits, "341523198001011237");
  EXPECT_EQ(ParseIdNumber("3415231980010112366").digits, "3415231980010112366");
  EXPECT_EQ(ParseIdNumber("34152319800101123").digits, "34152319800101123");
  // A 15-digit number compares in its 18-character form.
  EXPECT_EQ(ParseIdNumber("341523800101123").digits, ParseIdNumber("341523800101123").canonical);
  // Nothing of a number with a foreign character.
  EXPECT_EQ(ParseIdNumber("34152319800101123A").digits, "");

  // A spreadsheet's zeros: only the 15 digits it kept, never the number.
  const ParsedIdNumber zeroed = ParseIdNumber("341523198001010000");
  EXPECT_EQ(zeroed.digits, "");
  EXPECT_EQ(zeroed.spreadsheet_prefix, "341523198001010");
  EXPECT_EQ(ParseIdNumber("3.41523198001011E+17").spreadsheet_prefix, "341523198001011");
  EXPECT_EQ(ParseIdNumber("3.41523E+17").spreadsheet_prefix, "341523");
  // Not an 18-digit number's exponent, or not a mantissa: nothing.
  EXPECT_EQ(ParseIdNumber("3.41523E+16").spreadsheet_prefix, "");
  EXPECT_EQ(ParseIdNumber("34.1523E+17").spreadsheet_prefix, "");
  EXPECT_EQ(ParseIdNumber("341523198001011236.0").spreadsheet_prefix, "");
}

TEST(ParseIdNumberTest, TaiwanResidentsPermitPrefixIsARegion) {
  EXPECT_TRUE(IsProvincePrefix(83));
  EXPECT_FALSE(IsProvincePrefix(84));
  const std::string first17 = "83000019900101002";
  const ParsedIdNumber parsed = ParseIdNumber(first17 + IdCheckCharacter(first17));
  EXPECT_EQ(parsed.problem, IdNumberProblem::kNone);
  EXPECT_EQ(parsed.region_code, "830000");
}

TEST(ParseIdNumberTest, RepairedFlagOnlyWhenSomethingChanged) {
  EXPECT_FALSE(ParseIdNumber("11010519491231002X").repaired);
  EXPECT_TRUE(ParseIdNumber("11010519491231002x").repaired);
  // A repaired number with another problem still reports both.
  const ParsedIdNumber parsed = ParseIdNumber("３４１５２３１９８００１０１１２３７");
  EXPECT_TRUE(parsed.repaired);
  EXPECT_EQ(parsed.problem, IdNumberProblem::kBadCheckDigit);
}

TEST(IdCheckCharacterTest, MatchesHandComputedValues) {
  EXPECT_EQ(IdCheckCharacter("11010519491231002"), 'X');
  EXPECT_EQ(IdCheckCharacter("34152319800101123"), '6');
  EXPECT_EQ(IdCheckCharacter("44030019991231456"), '3');
  EXPECT_EQ(IdCheckCharacter("65010220000229008"), '7');
  EXPECT_EQ(IdCheckCharacter("81000018800101001"), '5');
  EXPECT_EQ(IdCheckCharacter("11010519491231001"), '1');
  EXPECT_EQ(IdCheckCharacter("34152319800105100"), '0');
  EXPECT_EQ(IdCheckCharacter("13010319851120345"), 'X');
  EXPECT_EQ(IdCheckCharacter("32010219900307256"), '5');
}

TEST(IdCheckCharacterTest, EveryCheckCharacterIsReachable) {
  // Changing the last of the 17 digits (weight 2) walks through residues; collect what appears.
  std::string seen;
  for (char d = '0'; d <= '9'; ++d) {
    for (char e = '0'; e <= '9'; ++e) {
      std::string first17 = "3415231980010112";
      first17[15] = e;
      first17.push_back(d);
      const char c = IdCheckCharacter(first17);
      if (seen.find(c) == std::string::npos) seen.push_back(c);
    }
  }
  EXPECT_EQ(seen.size(), 11u) << seen;
}

TEST(IdNumberProblemCodeTest, StableCodes) {
  EXPECT_EQ(IdNumberProblemCode(IdNumberProblem::kNone), "");
  EXPECT_EQ(IdNumberProblemCode(IdNumberProblem::kEmpty), "ID_EMPTY");
  EXPECT_EQ(IdNumberProblemCode(IdNumberProblem::kSpreadsheetDamage), "ID_SPREADSHEET_DAMAGE");
  EXPECT_EQ(IdNumberProblemCode(IdNumberProblem::kBadCharacter), "ID_BAD_CHARACTER");
  EXPECT_EQ(IdNumberProblemCode(IdNumberProblem::kBadLength), "ID_BAD_LENGTH");
  EXPECT_EQ(IdNumberProblemCode(IdNumberProblem::kBadRegion), "ID_BAD_REGION");
  EXPECT_EQ(IdNumberProblemCode(IdNumberProblem::kBadBirthDate), "ID_BAD_BIRTH_DATE");
  EXPECT_EQ(IdNumberProblemCode(IdNumberProblem::kBadCheckDigit), "ID_CHECK_DIGIT");
}

TEST(MaskIdNumberTest, KeepsFirstAndLastFour) {
  EXPECT_EQ(MaskIdNumber("341523198001011236"), "3415**********1236");
  EXPECT_EQ(MaskIdNumber("11010519491231002X"), "1101**********002X");
  EXPECT_EQ(MaskIdNumber("341523800101123"), "3415*******1123");
}

TEST(MaskIdNumberTest, MasksShortAndUnrepairedInputEntirely) {
  EXPECT_EQ(MaskIdNumber(""), "");
  EXPECT_EQ(MaskIdNumber("1234"), "****");
  EXPECT_EQ(MaskIdNumber("12345678"), "********");
  EXPECT_EQ(MaskIdNumber("123456789"), "*********");
  EXPECT_EQ(MaskIdNumber("34152319800101"), "**************");
  EXPECT_EQ(MaskIdNumber("１２３４５６７８９０"), "**********");
}

TEST(MaskIdNumbersInTextTest, MasksIdLikeRunsOnly) {
  int masked = -1;
  EXPECT_EQ(MaskIdNumbersInText("安徽省某县幸福路12号3单元402室", &masked),
            "安徽省某县幸福路12号3单元402室");
  EXPECT_EQ(masked, 0);
  EXPECT_EQ(MaskIdNumbersInText("身份证341523198001011236住某村", &masked),
            "身份证3415**********1236住某村");
  EXPECT_EQ(masked, 1);
  EXPECT_EQ(
      MaskIdNumbersInText("11010519491231002x; old 341523800101123; tel 13912345678", &masked),
      "1101**********002x; old 3415*******1123; tel 13912345678");
  EXPECT_EQ(masked, 2);
  // A bank card number is as sensitive; a 14-digit run (a date-time) is kept.
  EXPECT_EQ(MaskIdNumbersInText("6222021234567890123 20261204083000"),
            "6222***********0123 20261204083000");
  EXPECT_EQ(MaskIdNumbersInText(""), "");
}

TEST(IsRegionCodeTest, NeedsSixDigitsAndAProvincePrefix) {
  EXPECT_TRUE(IsRegionCode("341523"));
  EXPECT_TRUE(IsRegionCode("110101"));
  EXPECT_TRUE(IsRegionCode("820000"));
  EXPECT_FALSE(IsRegionCode("991234"));  // no province 99
  EXPECT_FALSE(IsRegionCode("001234"));
  EXPECT_FALSE(IsRegionCode("34152"));
  EXPECT_FALSE(IsRegionCode("3415231"));
  EXPECT_FALSE(IsRegionCode("34152a"));
  EXPECT_FALSE(IsRegionCode(""));
}

}  // namespace
}  // namespace lifeline::common
