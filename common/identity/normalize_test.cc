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
      {"张\xE2\x80\x8B伟", "张伟"},  // U+200B zero-width space
      {"张\xE2\x80\x8D伟", "张伟"},  // U+200D zero-width joiner
      {"\xEF\xBB\xBF张伟", "张伟"},  // U+FEFF byte order mark
      {"张\xE2\x81\xA0伟", "张伟"},  // U+2060 word joiner
      {"ＬＩ　Ｍｉｎｇ", "liming"},  // full-width Latin and ideographic space, lower-cased
      {"Li Ming", "liming"},
      {"王１号", "王1号"},                    // full-width digit
      {"阿卜杜·热合曼", "阿卜杜热合曼"},      // U+00B7
      {"阿卜杜•热合曼", "阿卜杜热合曼"},      // U+2022
      {"阿卜杜‧热合曼", "阿卜杜热合曼"},      // U+2027
      {"阿卜杜・热合曼", "阿卜杜热合曼"},     // U+30FB
      {"阿卜杜･热合曼", "阿卜杜热合曼"},      // U+FF65
      {"阿卜杜⋅热合曼", "阿卜杜热合曼"},      // U+22C5
      {"阿卜杜∙热合曼", "阿卜杜热合曼"},      // U+2219
      {"阿卜杜．热合曼", "阿卜杜热合曼"},     // U+FF0E full-width full stop
      {"阿依古丽·买买提", "阿依古丽买买提"},  // a minority name compares equal with or without
      {"阿依古丽买买提", "阿依古丽买买提"},   // its dot
      {"阿依古丽 · 买买提", "阿依古丽买买提"},
      {"劉德華", "刘德华"},  // traditional → simplified
      {"張偉", "张伟"},
      {"張 偉", "张伟"},
      {"陳\xE2\x80\x8B德福", "陈德福"},  // traditional and a zero-width space
      {"ＺＨＡＮＧ　偉", "zhang伟"},     // mixed scripts
      {"\xE2\x80\x8B\xE2\x80\x8C", ""},  // nothing but invisible characters
      {" \xE3\x80\x80·", ""},            // nothing but spacing and a dot
      {"", ""},
  };
  for (const Case& c : cases) EXPECT_EQ(NormalizeName(c.in), c.want) << c.in;
}

TEST(NamePinyinTest, OneSyllablePerHanCharacter) {
  struct Case {
    const char* in;
    const char* want;
  };
  const Case cases[] = {
      {"张伟", "zhang wei"},
      {"张玮", "zhang wei"},  // homophones share their pinyin
      {"張偉", "zhang wei"},  // via the simplified form
      {" 张　伟 ", "zhang wei"},
      {"吕", "lu"},  // ü is written u
      {"刘德华", "liu de hua"},
      {"阿依古丽·买买提", "a yi gu li mai mai ti"},
      {"李Ming", "li ming"},  // a run of other characters is one token, case-folded
      {"ＬＩ　Ｍｉｎｇ", "liming"},
      {"王1号", "wang 1 hao"},
      {"", ""},
  };
  for (const Case& c : cases) EXPECT_EQ(NamePinyin(c.in), c.want) << c.in;
}

TEST(NamePinyinTest, InvalidUtf8YieldsEmpty) {
  EXPECT_EQ(NamePinyin("\xFF\xFE"), "");
  EXPECT_EQ(NamePinyin("张\xE4\xBC"), "");
}

TEST(NormalizeNameTest, NfkcComposes) {
  // "e" + combining acute composes to U+00E9 (and "J" is lower-cased); the compatibility ligature
  // "ﬁ" becomes "fi".
  EXPECT_EQ(NormalizeName("Jose\xCC\x81"), "jos\xC3\xA9");
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
