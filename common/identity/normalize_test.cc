#include "common/identity/normalize.h"

#include <string>

#include <gtest/gtest.h>

namespace lifeline::common {
namespace {

TEST(NormalizeNameTest, FoldsFullWidthAndRemovesSpacing) {
  struct Case {
    const char* in;
    const char* want;
  };
  const Case cases[] = {
      {"张伟", "张伟"},
      {"张 伟", "张伟"},
      {" 张伟 ", "张伟"},
      {"张\xE3\x80\x80伟", "张伟"},  // ideographic space
      {"张\t伟\n", "张伟"},
      {"张\xE2\x80\x8B伟", "张伟"},        // U+200B zero-width space
      {"张\xE2\x80\x8D伟", "张伟"},        // U+200D zero-width joiner
      {"\xEF\xBB\xBF张伟", "张伟"},        // U+FEFF byte order mark
      {"张\xE2\x81\xA0伟", "张伟"},        // U+2060 word joiner
      {"ＬＩ　Ｍｉｎｇ", "LIMing"},        // full-width Latin and ideographic space
      {"王１号", "王1号"},                 // full-width digit
      {"阿卜杜·热合曼", "阿卜杜热合曼"},   // U+00B7
      {"阿卜杜•热合曼", "阿卜杜热合曼"},   // U+2022
      {"阿卜杜‧热合曼", "阿卜杜热合曼"},   // U+2027
      {"阿卜杜・热合曼", "阿卜杜热合曼"},  // U+30FB
      {"阿卜杜･热合曼", "阿卜杜热合曼"},   // U+FF65
      {"阿卜杜⋅热合曼", "阿卜杜热合曼"},   // U+22C5
      {"阿卜杜∙热合曼", "阿卜杜热合曼"},   // U+2219
      {"阿卜杜．热合曼", "阿卜杜热合曼"},  // U+FF0E full-width full stop
      {"", ""},
  };
  for (const Case& c : cases) EXPECT_EQ(NormalizeName(c.in), c.want) << c.in;
}

TEST(NormalizeNameTest, NfkcComposes) {
  // "e" + combining acute composes to U+00E9; the compatibility ligature "ﬁ" becomes "fi".
  EXPECT_EQ(NormalizeName("Jose\xCC\x81"), "Jos\xC3\xA9");
  EXPECT_EQ(NormalizeName("\xEF\xAC\x81"), "fi");
}

TEST(NormalizeNameTest, InvalidUtf8YieldsEmpty) {
  EXPECT_EQ(NormalizeName("\xFF\xFE"), "");
  EXPECT_EQ(NormalizeName("张\xE4\xBC"), "");  // truncated sequence
  EXPECT_EQ(NormalizeName("\xC0\xAF"), "");    // overlong encoding
}

TEST(NormalizePhoneTest, KeepsDigitsAndDropsCountryPrefix) {
  struct Case {
    const char* in;
    const char* want;
  };
  const Case cases[] = {
      {"13800138000", "13800138000"},
      {"138-0013-8000", "13800138000"},
      {"138 0013 8000", "13800138000"},
      {"+86 138 0013 8000", "13800138000"},
      {"+86-13800138000", "13800138000"},
      {"(+86) 13800138000", "13800138000"},
      {"0086 13800138000", "13800138000"},
      {"008613800138000", "13800138000"},
      {"8613800138000", "13800138000"},
      {"１３８００１３８０００", "13800138000"},
      {"＋８６ １３８００１３８０００", "13800138000"},
      {"0551-6234 5678", "055162345678"},
      {"6234567", "6234567"},
      {"86-551-62345678", "8655162345678"},  // no '+': an area code, not a country prefix
  };
  for (const Case& c : cases) EXPECT_EQ(NormalizePhone(c.in), c.want) << c.in;
}

TEST(NormalizePhoneTest, TooFewDigitsYieldsEmpty) {
  EXPECT_EQ(NormalizePhone(""), "");
  EXPECT_EQ(NormalizePhone("123456"), "");
  EXPECT_EQ(NormalizePhone("+86 12345"), "");
  EXPECT_EQ(NormalizePhone("n/a"), "");
}

}  // namespace
}  // namespace lifeline::common
