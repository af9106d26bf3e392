#include "tools/datagen/chars.h"

#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unicode/translit.h>
#include <unicode/unistr.h>

#include "common/identity/normalize.h"

namespace lifeline::datagen {
namespace {

using ::testing::AnyOf;
using ::testing::ElementsAre;
using ::testing::Eq;
using ::testing::IsEmpty;
using ::testing::Ne;

TEST(Utf8CharsTest, SplitsMixedText) {
  EXPECT_THAT(Utf8Chars("刘a德·華\u200B"), ElementsAre("刘", "a", "德", "\u00B7", "華", "\u200B"));
  EXPECT_THAT(Utf8Chars(""), IsEmpty());
  EXPECT_THAT(Utf8Chars("𠀀x"), ElementsAre("𠀀", "x"));  // 4-byte sequence
}

TEST(Utf8CharsTest, KeepsBrokenBytesAsCharacters) {
  const std::string broken = std::string("王") + "\xE4\xB8" + "a" + "\xFF";
  const std::vector<std::string> chars = Utf8Chars(broken);
  std::string joined;
  for (const std::string& ch : chars) joined += ch;
  EXPECT_EQ(joined, broken);
  EXPECT_EQ(chars.front(), "王");
  EXPECT_EQ(chars.back(), "\xFF");
}

TEST(CharsTest, KnownSubstitutions) {
  std::mt19937_64 rng(1);
  EXPECT_EQ(TraditionalOf("刘"), "劉");
  EXPECT_EQ(TraditionalOf("华"), "華");
  EXPECT_EQ(TraditionalOf("国"), "國");
  EXPECT_EQ(TraditionalOf("伟"), "偉");
  EXPECT_EQ(TraditionalOf("丽"), "麗");
  EXPECT_EQ(TraditionalOf("兰"), "蘭");
  EXPECT_EQ(TraditionalOf("军"), "軍");
  EXPECT_EQ(SimplifiedOf("劉"), "刘");
  EXPECT_EQ(TraditionalOf("王"), "");  // the same in both scripts
  EXPECT_EQ(TraditionalOf("劉"), "");  // already traditional
  EXPECT_THAT(LookalikeOf("己", rng), AnyOf(Eq("已"), Eq("巳")));
  EXPECT_THAT(LookalikeOf("未", rng), AnyOf(Eq("末"), Eq("朱")));
  EXPECT_EQ(LookalikeOf("晴", rng), "睛");
  EXPECT_EQ(LookalikeOf("土", rng), "士");
  for (int i = 0; i < 50; ++i) {
    EXPECT_THAT(LookalikeOf("王", rng), AnyOf(Eq("玉"), Eq("主")));
    const std::string wei = HomophoneOf("伟", rng);
    EXPECT_NE(wei, "伟");
    EXPECT_TRUE(HasHomophone(wei)) << wei;
  }
  EXPECT_EQ(HomophoneOf("A", rng), "");
  EXPECT_EQ(HomophoneOf("", rng), "");
  EXPECT_EQ(HomophoneOf("伟伟", rng), "");  // not one character
  EXPECT_FALSE(HasLookalike("a"));
  EXPECT_TRUE(HasTraditional("华"));
}

TEST(CharsTest, CoversEnoughNameCharacters) {
  std::set<std::string> all;
  for (const auto& group : HomophoneGroups()) all.insert(group.begin(), group.end());
  for (const auto& group : LookalikeGroups()) all.insert(group.begin(), group.end());
  for (const auto& [simplified, traditional] : TraditionalPairs()) all.insert(simplified);
  EXPECT_GE(all.size(), 300u);
  EXPECT_GE(TraditionalPairs().size(), 150u);
}

TEST(CharsTest, HomophoneGroupsAreDisjointAndNonTrivial) {
  std::set<std::string> seen;
  for (const auto& group : HomophoneGroups()) {
    EXPECT_GE(group.size(), 2u);
    for (const std::string& ch : group) {
      EXPECT_TRUE(seen.insert(ch).second) << ch << " is in two homophone groups";
      EXPECT_EQ(Utf8Chars(ch).size(), 1u);
    }
  }
}

// ICU's Han-Latin gives each character's most common reading; a group must agree once tones are
// dropped (the tables leave out characters whose name reading is not the common one).
TEST(CharsTest, HomophonesShareTheirPinyin) {
  UErrorCode error = U_ZERO_ERROR;
  std::unique_ptr<icu::Transliterator> pinyin(
      icu::Transliterator::createInstance("Han-Latin; Latin-ASCII; Lower", UTRANS_FORWARD, error));
  ASSERT_TRUE(U_SUCCESS(error)) << u_errorName(error);
  auto reading = [&](const std::string& ch) {
    icu::UnicodeString text = icu::UnicodeString::fromUTF8(ch);
    pinyin->transliterate(text);
    std::string out;
    text.toUTF8String(out);
    return out;
  };
  for (const auto& group : HomophoneGroups()) {
    const std::string first = reading(group.front());
    EXPECT_THAT(first, Ne(group.front())) << "no reading for " << group.front();
    for (const std::string& ch : group) EXPECT_EQ(reading(ch), first) << ch << " vs " << group[0];
  }
}

TEST(CharsTest, HomophonesStayInTheirGroup) {
  std::mt19937_64 rng(7);
  for (const auto& group : HomophoneGroups()) {
    const std::set<std::string> members(group.begin(), group.end());
    for (const std::string& ch : group) {
      ASSERT_TRUE(HasHomophone(ch)) << ch;
      const std::string other = HomophoneOf(ch, rng);
      EXPECT_NE(other, ch);
      EXPECT_TRUE(members.count(other)) << ch << " -> " << other;
    }
  }
}

TEST(CharsTest, LookalikesAreSymmetric) {
  std::mt19937_64 rng(11);
  for (const auto& group : LookalikeGroups()) {
    EXPECT_GE(group.size(), 2u);
    for (const std::string& ch : group) {
      ASSERT_TRUE(HasLookalike(ch)) << ch;
      // Every other member is reachable, and leads back.
      std::set<std::string> reached;
      for (int i = 0; i < 64; ++i) reached.insert(LookalikeOf(ch, rng));
      for (const std::string& other : group) {
        if (other == ch) continue;
        EXPECT_TRUE(reached.count(other)) << ch << " never became " << other;
        bool back = false;
        for (int i = 0; i < 64 && !back; ++i) back = LookalikeOf(other, rng) == ch;
        EXPECT_TRUE(back) << other << " never became " << ch;
      }
      EXPECT_FALSE(reached.count(ch));
    }
  }
}

// Every traditional form is a distinct character that maps back, none is itself a simplified key
// (which would make the conversion ambiguous), and Lifeline's own normalization (OpenCC t2s)
// turns it back into the simplified character the noise started from.
TEST(CharsTest, TraditionalRoundTrips) {
  std::set<std::string> simplified_seen;
  std::set<std::string> traditional_seen;
  for (const auto& [simplified, traditional] : TraditionalPairs()) {
    EXPECT_NE(simplified, traditional);
    EXPECT_TRUE(simplified_seen.insert(simplified).second) << simplified;
    EXPECT_TRUE(traditional_seen.insert(traditional).second) << traditional;
    EXPECT_EQ(TraditionalOf(simplified), traditional);
    EXPECT_EQ(SimplifiedOf(traditional), simplified);
    EXPECT_EQ(TraditionalOf(traditional), "") << traditional;
    EXPECT_EQ(common::NormalizeName(traditional), common::NormalizeName(simplified)) << traditional;
  }
}

}  // namespace
}  // namespace lifeline::datagen
