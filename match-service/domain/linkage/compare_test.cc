#include "match-service/domain/linkage/compare.h"

#include <algorithm>
#include <cstdint>

#include "gtest/gtest.h"
#include "match-service/domain/linkage/features.h"
#include "match-service/testing/linkage_people.h"

namespace lifeline::match::linkage {
namespace {

using testing::TestPerson;
using testing::ValidId;

uint8_t Name(std::string_view a, std::string_view b) {
  return CompareName(ExtractFeatures(TestPerson(a)), ExtractFeatures(TestPerson(b)));
}

TEST(CompareNameTest, Levels) {
  EXPECT_EQ(Name("张伟", "张伟"), kNameExact);
  EXPECT_EQ(Name("張偉", "张伟"), kNameExact);  // ingest folds traditional forms
  EXPECT_EQ(Name("阿依古丽·买买提", "阿依古丽 买买提"), kNameExact);
  EXPECT_EQ(Name("张伟", "张玮"), kNameHomophone);
  EXPECT_EQ(Name("张伟", "章伟"), kNameHomophone);
  // Dialect speech: zh/z, n/l, -ng/-n.
  EXPECT_EQ(Name("张伟", "臧伟"), kNameNear);
  EXPECT_EQ(Name("刘娜", "刘拉"), kNameNear);
  EXPECT_EQ(Name("陈晨", "陈成"), kNameNear);
  // One character of three different: a typo or a sibling; the model weighs it.
  EXPECT_EQ(Name("李秀英", "李秀梅"), kNamePartial);
  EXPECT_EQ(Name("欧阳明", "欧明"), kNamePartial);
  EXPECT_EQ(Name("张伟", "李强"), kNameDifferent);
  EXPECT_EQ(Name("张伟", "李伟"), kNameDifferent);
  EXPECT_EQ(Name("张伟", ""), kMissing);
}

TEST(CompareNameTest, LookAlikeAndVariantCharacters) {
  EXPECT_EQ(Name("王小明", "玉小明"), kNameNear);
  EXPECT_EQ(Name("李未", "李末"), kNameNear);
  EXPECT_EQ(Name("张伟", "张件"), kNameDifferent);  // not alike enough: 伟/件 share corners only
}

TEST(CompareNameTest, CantoneseRomanizationOfHongKongAndMacauDocuments) {
  EXPECT_EQ(Name("CHAN Tai Man", "陈大文"), kNameHomophone);
  EXPECT_EQ(Name("Tai Man Chan", "陈大文"), kNameHomophone);
  EXPECT_EQ(Name("WONG Ka Wai", "黄家伟"), kNameHomophone);
  EXPECT_EQ(Name("CHEUNG Mei Ling", "张美玲"), kNameHomophone);
  EXPECT_EQ(Name("CHAN Tai Man", "黄家伟"), kNameDifferent);
}

TEST(CompareNameTest, LatinNamesInAnyOrderAndCase) {
  EXPECT_EQ(Name("John Smith", "SMITH JOHN"), kNameExact);
  EXPECT_EQ(Name("Smith, John", "john smith"), kNameExact);
  EXPECT_EQ(Name("J. Smith", "John Smith"), kNameNear);
  EXPECT_EQ(Name("John Paul Smith", "John Smith"), kNamePartial);
  EXPECT_EQ(Name("John Smith", "Jane Doe"), kNameDifferent);
}

TEST(CompareNameTest, SurnamesReadOtherwiseThanTheirCharacter) {
  // 区 is Ōu as a surname (qū otherwise), 单 is Shàn, 曾 Zēng, 解 Xiè; Hong Kong writes 區 Au and
  // 單 Sin.
  EXPECT_EQ(Name("OU Jiawei", "区家伟"), kNameHomophone);
  EXPECT_EQ(Name("Jiawei OU", "区家伟"), kNameHomophone);
  EXPECT_EQ(Name("OU JIA WEI", "区家伟"), kNameHomophone);
  EXPECT_EQ(Name("AU Ka Wai", "區家偉"), kNameHomophone);
  EXPECT_EQ(Name("SHAN Li", "单丽"), kNameHomophone);
  EXPECT_EQ(Name("SIN Lai", "單麗"), kNameHomophone);
  EXPECT_EQ(Name("ZENG Hua", "曾华"), kNameHomophone);
  EXPECT_EQ(Name("XIE Ming", "解明"), kNameHomophone);
  // The character's common reading still matches, and only in the surname's place.
  EXPECT_EQ(Name("QU Jiawei", "区家伟"), kNameHomophone);
  EXPECT_EQ(Name("LI OU", "李区"), kNameDifferent);
  EXPECT_EQ(Name("OU Jiawei", "欧家伟"), kNameHomophone);  // 欧 is ou in any place
  EXPECT_EQ(Name("OU Jiawei", "李家伟"), kNameDifferent);
}

// Blocking: a romanized record meets the Han one through a shared surname sound.
TEST(FeaturesTest, ASurnameReadOtherwiseSharesASoundWithItsSpellings) {
  auto shares = [](std::string_view a, std::string_view b) {
    const PersonFeatures fa = ExtractFeatures(TestPerson(a));
    const PersonFeatures fb = ExtractFeatures(TestPerson(b));
    return std::any_of(fa.surname_sounds.begin(), fa.surname_sounds.end(), [&](uint64_t s) {
      return std::find(fb.surname_sounds.begin(), fb.surname_sounds.end(), s) !=
             fb.surname_sounds.end();
    });
  };
  EXPECT_TRUE(shares("区家伟", "OU Jiawei"));
  EXPECT_TRUE(shares("區家偉", "AU Ka Wai"));
  EXPECT_TRUE(shares("单丽", "SHAN Li"));
  EXPECT_FALSE(shares("李家伟", "OU Jiawei"));
}

TEST(CompareNameTest, RomanizedAgainstHan) {
  EXPECT_EQ(Name("ZHANG Wei", "张伟"), kNameHomophone);
  EXPECT_EQ(Name("Wei Zhang", "张伟"), kNameHomophone);
  EXPECT_EQ(Name("Zhang Xiaoming", "张晓明"), kNameHomophone);
  EXPECT_EQ(Name("LI Ming", "张伟"), kNameDifferent);
}

TEST(CompareBirthTest, Levels) {
  EXPECT_EQ(CompareBirth(19620520, 19620520), kBirthExact);
  EXPECT_EQ(CompareBirth(19620520, 19620521), kBirthOneEdit);  // one digit
  EXPECT_EQ(CompareBirth(19620520, 19260520), kBirthOneEdit);  // neighbours swapped
  EXPECT_EQ(CompareBirth(19620503, 19620305), kBirthOneEdit);  // day and month swapped
  EXPECT_EQ(CompareBirth(19621231, 19630101), kBirthOneDay);
  EXPECT_EQ(CompareBirth(19620520, 19620511), kBirthSameMonth);
  EXPECT_EQ(CompareBirth(19620520, 19880101), kBirthDifferent);
  EXPECT_EQ(CompareBirth(0, 19880101), kMissing);
}

TEST(CompareRegionTest, CountyCityProvince) {
  EXPECT_EQ(CompareRegion(341523, 341523), kRegionCounty);
  EXPECT_EQ(CompareRegion(341523, 341502), kRegionCity);
  EXPECT_EQ(CompareRegion(341523, 340102), kRegionProvince);
  EXPECT_EQ(CompareRegion(341523, 110101), kRegionDifferent);
  EXPECT_EQ(CompareRegion(0, 110101), kMissing);
}

TEST(CompareAddressTest, BigramOverlap) {
  auto grams = [](std::string_view address) {
    return ExtractFeatures(TestPerson("某").Address(address)).address_grams;
  };
  EXPECT_EQ(CompareAddress(grams("安徽省六安市舒城县城关镇梅河路12号"),
                           grams("安徽省六安市舒城县城关镇梅河路12号")),
            kAddressSame);
  EXPECT_EQ(
      CompareAddress(grams("安徽省六安市舒城县城关镇梅河路12号"), grams("舒城县城关镇梅河路12号")),
      kAddressClose);
  EXPECT_EQ(CompareAddress(grams("安徽省六安市舒城县城关镇梅河路12号"),
                           grams("北京市海淀区中关村大街1号")),
            kAddressDifferent);
  EXPECT_EQ(CompareAddress(grams(""), grams("北京市")), kMissing);
}

TEST(CompareIdTest, SameConflictNearMissing) {
  const std::string a = ValidId("34152319620520157");
  const std::string b = ValidId("34152319620520159");
  auto f = [](std::string_view id) { return ExtractFeatures(TestPerson("某").Id(id)); };
  EXPECT_EQ(CompareId(f(a), f(a)), kIdSame);
  EXPECT_EQ(CompareId(f(a), f(b)), kIdConflict);
  // 15-digit legacy number and full-width digits: the same valid number after ingest's repair.
  EXPECT_EQ(CompareId(f(a), f("341523620520157")), kIdSame);
  EXPECT_EQ(CompareId(f(a), f("３４１５２３１９６２０５２０１５７" + a.substr(17))), kIdSame);
  // One digit mistyped: the check no longer holds, one deletion is shared.
  std::string typo = a;
  typo[9] = typo[9] == '9' ? '8' : '9';
  EXPECT_EQ(CompareId(f(a), f(typo)), kIdNear);
  // A digit doubled (19 digits).
  EXPECT_EQ(CompareId(f(a), f(a.substr(0, 10) + a.substr(9))), kIdNear);
  // Only the check character wrong.
  std::string check = a;
  check[17] = check[17] == '1' ? '2' : '1';
  EXPECT_EQ(CompareId(f(a), f(check)), kIdNear);
  // Spreadsheet: the last three digits zeroed.
  EXPECT_EQ(CompareId(f(a), f(a.substr(0, 15) + "000")), kIdNear);
  EXPECT_EQ(CompareId(f(a), ExtractFeatures(TestPerson("某"))), kMissing);
  // Two damaged numbers far apart.
  std::string other = ValidId("11010119880101123");
  other[9] = other[9] == '9' ? '8' : '9';
  EXPECT_EQ(CompareId(f(typo), f(other)), kIdDifferent);
}

TEST(CompareTest, DocumentsCompareWithinTheirType) {
  using records::v1::ID_TYPE_HK_MACAO_PERMIT;
  using records::v1::ID_TYPE_PASSPORT;
  auto f = [](records::v1::IdType type, std::string_view number) {
    return ExtractFeatures(TestPerson("某").Document(type, number));
  };
  EXPECT_EQ(Compare(f(ID_TYPE_PASSPORT, "E12345678"), f(ID_TYPE_PASSPORT, "E12345678"))[kDocument],
            kEqualSame);
  EXPECT_EQ(Compare(f(ID_TYPE_PASSPORT, "E12345678"), f(ID_TYPE_PASSPORT, "E87654321"))[kDocument],
            kEqualDifferent);
  EXPECT_EQ(
      Compare(f(ID_TYPE_PASSPORT, "E12345678"), f(ID_TYPE_HK_MACAO_PERMIT, "H1234567"))[kDocument],
      kMissing);
}

TEST(FeaturesTest, DialectFold) {
  EXPECT_EQ(DialectFold("zhang"), "zan");
  EXPECT_EQ(DialectFold("chen"), "cen");
  EXPECT_EQ(DialectFold("shi"), "si");
  EXPECT_EQ(DialectFold("neng"), "len");
  EXPECT_EQ(DialectFold("fu"), "hu");
  EXPECT_EQ(DialectFold("wang"), "wan");
  EXPECT_EQ(DialectFold("ng"), "ng");
}

TEST(FeaturesTest, LatinTokens) {
  EXPECT_EQ(LatinTokens("SMITH, John"), (std::vector<LatinToken>{"smith", "john"}));
  EXPECT_EQ(LatinTokens("ＪＯＨＮ Smith-Jones"),
            (std::vector<LatinToken>{"john", "smith", "jones"}));
  EXPECT_TRUE(LatinTokens("张伟").empty());
}

}  // namespace
}  // namespace lifeline::match::linkage
