// Graded comparison of two records' features, field by field: the comparison vector the
// Fellegi–Sunter model weighs. Level 0 of every field means "cannot compare" (a value missing on
// either side) and carries no weight; the other levels run from the strongest agreement to
// disagreement. Pure functions.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "match-service/domain/linkage/features.h"

namespace lifeline::match::linkage {

enum Field : uint8_t {
  kName = 0,
  kBirth,
  kSex,
  kRegion,
  kPhone,
  kHousehold,
  kAddress,
  kId,
  kDocument,
  kFieldCount,
};

// The most levels any field has, level 0 included.
inline constexpr int kMaxLevels = 7;

inline constexpr uint8_t kMissing = 0;

// Name levels.
enum NameLevel : uint8_t {
  kNameExact = 1,      // the same characters (or the same Latin tokens in any order and case)
  kNameVariant = 2,    // the same after folding variant characters (Unihan variant classes)
  kNameHomophone = 3,  // the same pinyin, or a romanized name spelling the Han name's pinyin or
                       // Cantonese reading
  kNameNear = 4,       // same sound in dialect speech (z/zh, n/l, -n/-ng ...), look-alike
                       // characters, or Latin initials
  kNamePartial = 5,    // one character different, added or dropped; a Latin token missing
  kNameDifferent = 6,
};

enum BirthLevel : uint8_t {
  kBirthExact = 1,
  kBirthOneEdit = 2,  // one digit different, two neighbouring digits swapped, day and month swapped
  kBirthOneDay = 3,   // one day apart (across a month or year end)
  kBirthSameMonth = 4,
  kBirthDifferent = 5,
};

enum SexLevel : uint8_t { kSexSame = 1, kSexDifferent = 2 };

enum RegionLevel : uint8_t {
  kRegionCounty = 1,
  kRegionCity = 2,
  kRegionProvince = 3,
  kRegionDifferent = 4,
};

enum EqualLevel : uint8_t { kEqualSame = 1, kEqualDifferent = 2 };

enum AddressLevel : uint8_t {
  kAddressSame = 1,    // bigram Jaccard >= 0.7
  kAddressClose = 2,   // >= 0.4
  kAddressShared = 3,  // >= 0.15
  kAddressDifferent = 4,
};

enum IdLevel : uint8_t {
  kIdSame = 1,       // the same valid resident ID number
  kIdNear = 2,       // one number damaged, and the two share a near-match key (one edit apart,
                     // same first 17 or first 15 characters)
  kIdSimilar = 3,    // one number damaged, digit-bigram Dice >= 0.75
  kIdDifferent = 4,  // one number damaged, and not close
  kIdConflict = 5,   // two different valid numbers: never the same person
};

using ComparisonVector = std::array<uint8_t, kFieldCount>;

// Number of levels of `field`, level 0 included.
int LevelCount(Field field);
// "name", "birth", ... and a level's name ("exact", "homophone", ...), for explanations.
const char* FieldName(Field field);
const char* LevelName(Field field, uint8_t level);

// Compares two records.
ComparisonVector Compare(const PersonFeatures& a, const PersonFeatures& b);

// Field comparisons, exposed for tests.
uint8_t CompareName(const PersonFeatures& a, const PersonFeatures& b);
uint8_t CompareBirth(int32_t a, int32_t b);
uint8_t CompareRegion(int32_t a, int32_t b);
uint8_t CompareAddress(const std::vector<uint32_t>& a, const std::vector<uint32_t>& b);
uint8_t CompareId(const PersonFeatures& a, const PersonFeatures& b);

}  // namespace lifeline::match::linkage
