#include "match-service/domain/linkage/han_chars.h"

#include <algorithm>
#include <cstdio>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace lifeline::match::linkage {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

const HanChars& Chars() { return HanChars::Get(); }

std::string Show(char32_t a, char32_t b) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "U+%04X U+%04X", static_cast<unsigned>(a),
                static_cast<unsigned>(b));
  return buffer;
}

TEST(HanCharsTest, CanonicalPicksTheSimplifiedMemberOfAVariantClass) {
  EXPECT_EQ(Chars().Canonical(U'張'), U'张');
  EXPECT_EQ(Chars().Canonical(U'张'), U'张');
  EXPECT_EQ(Chars().Canonical(U'陳'), U'陈');
  EXPECT_EQ(Chars().Canonical(U'劉'), U'刘');
  EXPECT_EQ(Chars().Canonical(U'鄭'), U'郑');
  EXPECT_EQ(Chars().Canonical(U'強'), U'强');
  EXPECT_EQ(Chars().Canonical(U'餘'), U'余');  // 余 is its own simplified form too
  EXPECT_EQ(Chars().Canonical(U'余'), U'余');
  EXPECT_EQ(Chars().Canonical(U'後'), U'后');
  EXPECT_EQ(Chars().Canonical(U'發'), U'发');
  EXPECT_EQ(Chars().Canonical(U'髮'), U'发');
  EXPECT_EQ(Chars().Canonical(U'眾'), U'众');
  EXPECT_EQ(Chars().Canonical(U'衆'), U'众');  // a semantic variant of 眾 only
  EXPECT_EQ(Chars().Canonical(U'臺'), U'台');
  EXPECT_EQ(Chars().Canonical(U'颱'), U'台');
}

// Unihan's semantic links chain 陳 to 陣, 於 to 于, 予 to 余: standard characters stay apart.
TEST(HanCharsTest, TwoStandardCharactersNeverShareAClass) {
  EXPECT_EQ(Chars().Canonical(U'陈'), U'陈');
  EXPECT_EQ(Chars().Canonical(U'阵'), U'阵');
  EXPECT_EQ(Chars().Canonical(U'陣'), U'阵');
  EXPECT_EQ(Chars().Canonical(U'於'), U'於');
  EXPECT_EQ(Chars().Canonical(U'予'), U'予');
  EXPECT_EQ(Chars().Canonical(U'奶'), U'奶');
  EXPECT_EQ(Chars().Canonical(U'妳'), U'你');
  EXPECT_FALSE(Chars().LookAlike(U'余', U'予'));
  EXPECT_FALSE(Chars().LookAlike(U'于', U'於'));
}

TEST(HanCharsTest, CanonicalOfACharacterWithoutVariantsIsItself) {
  EXPECT_EQ(Chars().Canonical(U'王'), U'王');
  EXPECT_EQ(Chars().Canonical(U'明'), U'明');
  EXPECT_EQ(Chars().Canonical(U'A'), U'A');
  EXPECT_EQ(Chars().Canonical(0x10FFFF), char32_t{0x10FFFF});
}

TEST(HanCharsTest, LookAlikes) {
  const std::vector<std::pair<char32_t, char32_t>> pairs = {
      {U'王', U'玉'}, {U'未', U'末'}, {U'己', U'已'}, {U'己', U'巳'},
      {U'已', U'巳'}, {U'戊', U'戌'}, {U'日', U'曰'}, {U'人', U'入'},
      {U'土', U'士'}, {U'天', U'夭'}, {U'大', U'太'}, {U'候', U'侯'},
      {U'汩', U'汨'}, {U'刺', U'剌'}, {U'张', U'張'},  // same variant class
  };
  for (auto [a, b] : pairs) {
    EXPECT_TRUE(Chars().LookAlike(a, b)) << Show(a, b);
    EXPECT_TRUE(Chars().LookAlike(b, a)) << Show(b, a);
  }
}

TEST(HanCharsTest, NotLookAlikes) {
  const std::vector<std::pair<char32_t, char32_t>> pairs = {
      {U'王', U'李'},
      {U'伟', U'强'},
      {U'张', U'章'},
      // Same radical and four-corner codes within a digit, but different right-hand parts.
      {U'伟', U'件'},
      {U'杨', U'杉'},
      {U'明', U'昀'},
      {U'杨', U'机'},
      {U'王', U'A'},
      {U'A', U'B'},
  };
  for (auto [a, b] : pairs) {
    EXPECT_FALSE(Chars().LookAlike(a, b)) << Show(a, b);
    EXPECT_FALSE(Chars().LookAlike(b, a)) << Show(b, a);
  }
  EXPECT_FALSE(Chars().LookAlike(U'王', U'王'));
}

TEST(HanCharsTest, MandarinIsTheFirstReadingInPlainAscii) {
  EXPECT_EQ(Chars().Mandarin(U'张'), "zhang");
  EXPECT_EQ(Chars().Mandarin(U'張'), "zhang");
  EXPECT_EQ(Chars().Mandarin(U'陈'), "chen");
  EXPECT_EQ(Chars().Mandarin(U'吕'), "lu");  // ü is written u
  EXPECT_EQ(Chars().Mandarin(U'女'), "nu");
  EXPECT_EQ(Chars().Mandarin(U'A'), "");
  EXPECT_EQ(Chars().Mandarin(0x10FFFF), "");
}

TEST(HanCharsTest, CantoneseReadingsHaveNoTones) {
  EXPECT_THAT(Chars().Cantonese(U'陈'), ElementsAre("can"));
  EXPECT_THAT(Chars().Cantonese(U'陳'), ElementsAre("can"));
  EXPECT_THAT(Chars().Cantonese(U'张'), ElementsAre("zoeng"));
  EXPECT_THAT(Chars().Cantonese(U'A'), IsEmpty());
  EXPECT_THAT(Chars().Cantonese(0x10FFFF), IsEmpty());
  EXPECT_THAT(Chars().Cantonese(U'余'), ElementsAre("jyu"));
}

TEST(HanCharsTest, CantoneseOfASimplifiedCharacterWithoutItsOwnComesFromItsTraditionalForm) {
  // Unihan has no kCantonese for 鲅, only for 鮁.
  ASSERT_FALSE(Chars().Cantonese(U'鮁').empty());
  EXPECT_TRUE(std::ranges::equal(Chars().Cantonese(U'鲅'), Chars().Cantonese(U'鮁')));
}

TEST(HanCharsTest, TableSize) {
  int with_mandarin = 0;
  int with_cantonese = 0;
  for (char32_t c = 0x3400; c < 0x32400; ++c) {
    with_mandarin += Chars().Mandarin(c).empty() ? 0 : 1;
    with_cantonese += Chars().Cantonese(c).empty() ? 0 : 1;
  }
  EXPECT_GE(with_mandarin, 40000);
  EXPECT_GE(with_cantonese, 29000);
}

TEST(CantoneseKeyTest, JyutpingAndHongKongSpellingsAgree) {
  const std::vector<std::pair<std::string_view, std::string_view>> pairs = {
      {"can", "chan"},   {"zoeng", "cheung"}, {"daai", "tai"},  {"wong", "wong"},  {"lei", "lee"},
      {"lei", "li"},     {"zau", "chow"},     {"zau", "chau"},  {"zang", "tsang"}, {"ng", "ng"},
      {"heoi", "hui"},   {"ceoi", "tsui"},    {"lo", "law"},    {"lo", "lo"},      {"gou", "ko"},
      {"gwok", "kwok"},  {"zyu", "chu"},      {"jyu", "yu"},    {"jyu", "yue"},    {"syun", "suen"},
      {"jyun", "yuen"},  {"jyut", "yuet"},    {"pun", "poon"},  {"gu", "koo"},     {"zi", "tsz"},
      {"zi", "chi"},     {"si", "sze"},       {"ji", "yee"},    {"sam", "shum"},   {"sek", "shek"},
      {"coek", "cheuk"}, {"ngaan", "ngan"},   {"ngaan", "aan"}, {"jip", "yip"},    {"jip", "ip"},
  };
  for (auto [jyutping, hk] : pairs) {
    EXPECT_EQ(CantoneseKey(jyutping), CantoneseKey(hk)) << jyutping << " " << hk;
  }
}

TEST(CantoneseKeyTest, MacauSpellingsThatHongKongDoesNotConfuse) {
  const std::vector<std::pair<std::string_view, std::string_view>> pairs = {
      {"zoeng", "cheong"}, {"lau", "lao"}, {"gwok", "kuok"}, {"wong", "vong"},  {"joeng", "ieong"},
      {"siu", "sio"},      {"jiu", "io"},  {"mak", "mac"},   {"gwaan", "kuan"},
  };
  for (auto [jyutping, macau] : pairs) {
    EXPECT_EQ(CantoneseKey(jyutping), CantoneseKey(macau)) << jyutping << " " << macau;
  }
}

TEST(CantoneseKeyTest, DifferentSyllablesKeepDifferentKeys) {
  const std::vector<std::pair<std::string_view, std::string_view>> pairs = {
      {"chan", "cheung"}, {"wong", "wang"}, {"lee", "lau"},   {"ho", "hui"},
      {"fung", "fong"},   {"can", "cang"},  {"lam", "nam"},   {"ng", "ngai"},
      {"lau", "law"},     {"yu", "yuen"},   {"choi", "chui"}, {"kam", "kwan"},
  };
  for (auto [a, b] : pairs) EXPECT_NE(CantoneseKey(a), CantoneseKey(b)) << a << " " << b;
}

TEST(CantoneseKeyTest, IgnoresCaseToneDigitsAndPunctuation) {
  EXPECT_EQ(CantoneseKey("CHAN"), CantoneseKey("can4"));
  EXPECT_EQ(CantoneseKey("Tai-"), CantoneseKey("daai6"));
  EXPECT_EQ(CantoneseKey(""), "");
  EXPECT_EQ(CantoneseKey("42"), "");
}

// Common Hong Kong surnames and given-name syllables as HKID cards spell them: one of the
// character's Cantonese readings must give the same key.
TEST(CantoneseKeyTest, HongKongSpellingsMatchAReadingOfTheCharacter) {
  const std::vector<std::pair<char32_t, std::vector<std::string_view>>> names = {
      {U'陈', {"chan"}},  {U'黄', {"wong"}},         {U'李', {"lee"}},   {U'张', {"cheung"}},
      {U'梁', {"leung"}}, {U'周', {"chow", "chau"}}, {U'曾', {"tsang"}}, {U'吴', {"ng"}},
      {U'何', {"ho"}},    {U'刘', {"lau"}},          {U'林', {"lam"}},   {U'郑', {"cheng"}},
      {U'谢', {"tse"}},   {U'邓', {"tang"}},         {U'胡', {"wu"}},    {U'叶', {"yip"}},
      {U'蔡', {"choi"}},  {U'许', {"hui"}},          {U'杨', {"yeung"}}, {U'罗', {"law", "lo"}},
      {U'郭', {"kwok"}},  {U'冯', {"fung"}},         {U'朱', {"chu"}},   {U'余', {"yu", "yue"}},
      {U'大', {"tai"}},   {U'文', {"man"}},          {U'明', {"ming"}},  {U'伟', {"wai"}},
      {U'志', {"chi"}},   {U'华', {"wa"}},           {U'家', {"ka"}},    {U'美', {"mei"}},
      {U'玲', {"ling"}},  {U'嘉', {"ka"}},           {U'欣', {"yan"}},   {U'强', {"keung"}},
  };
  for (const auto& [c, spellings] : names) {
    std::span<const std::string_view> readings = Chars().Cantonese(c);
    ASSERT_FALSE(readings.empty()) << spellings.front();
    for (std::string_view spelling : spellings) {
      bool found = false;
      for (std::string_view reading : readings) {
        found = found || CantoneseKey(reading) == CantoneseKey(spelling);
      }
      EXPECT_TRUE(found) << spelling << " key " << CantoneseKey(spelling) << ", reading "
                         << readings.front() << " key " << CantoneseKey(readings.front());
    }
  }
}

}  // namespace
}  // namespace lifeline::match::linkage
