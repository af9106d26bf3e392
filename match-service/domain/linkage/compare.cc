#include "match-service/domain/linkage/compare.h"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "absl/time/civil_time.h"

#include "common/identity/id_near_match.h"
#include "match-service/domain/linkage/han_chars.h"

namespace lifeline::match::linkage {
namespace {

constexpr std::array<int, kFieldCount> kLevelCounts = {7, 6, 3, 5, 3, 3, 5, 6, 3};

// How one character of a name compares with the one in the same place of the other name.
enum CharMatch { kCharSame, kCharVariant, kCharHomophone, kCharNear, kCharOther };

CharMatch CompareChar(const PersonFeatures& a, const PersonFeatures& b, size_t i) {
  const char32_t x = a.name[i];
  const char32_t y = b.name[i];
  if (x == y) return kCharSame;
  const HanChars& han = HanChars::Get();
  if (han.Canonical(x) == han.Canonical(y)) return kCharVariant;
  if (a.syllables[i] == b.syllables[i]) return kCharHomophone;
  if (a.dialect_syllables[i] == b.dialect_syllables[i]) return kCharNear;
  if (han.LookAlike(x, y)) return kCharNear;
  return kCharOther;
}

// Both names are all Han with their syllables.
uint8_t CompareHanNames(const PersonFeatures& a, const PersonFeatures& b) {
  if (a.name.size() == b.name.size()) {
    CharMatch worst = kCharSame;
    int others = 0;
    int nears = 0;
    for (size_t i = 0; i < a.name.size(); ++i) {
      const CharMatch m = CompareChar(a, b, i);
      worst = std::max(worst, m);
      others += m == kCharOther;
      nears += m == kCharNear;
    }
    switch (worst) {
      case kCharSame:
        return kNameExact;
      case kCharVariant:
        return kNameVariant;
      case kCharHomophone:
        return kNameHomophone;
      case kCharNear:
        return nears <= 1 || a.name.size() >= 4 ? kNameNear : kNamePartial;
      case kCharOther:
        // One character of a name of three or more is a typo or a sibling; of a two-character
        // name it is half the name.
        return others == 1 && a.name.size() >= 3 && nears == 0 ? kNamePartial : kNameDifferent;
    }
  }
  // One character added or dropped (a compound surname written short, a lost character).
  const std::u32string& longer = a.name.size() > b.name.size() ? a.name : b.name;
  const std::u32string& shorter = a.name.size() > b.name.size() ? b.name : a.name;
  if (longer.size() == shorter.size() + 1 && shorter.size() >= 2) {
    for (size_t skip = 0; skip < longer.size(); ++skip) {
      std::u32string cut = longer;
      cut.erase(skip, 1);
      if (cut == shorter) return kNamePartial;
    }
  }
  return kNameDifferent;
}

bool SyllableMatches(const std::string& token, const PersonFeatures& han, size_t i) {
  if (token == PinyinSyllable(han, i)) return true;
  const std::string key = CantoneseKey(token);
  for (std::string_view reading : HanChars::Get().Cantonese(han.name[i])) {
    if (CantoneseKey(reading) == key) return true;
  }
  if (i == 0) {  // the surname may be read otherwise than its character: 区 Ou / Au
    const HanChars::SurnameReading surname = HanChars::Surname(han.name[0]);
    if (!surname.mandarin.empty() && token == surname.mandarin) return true;
    if (!surname.cantonese.empty() && key == CantoneseKey(surname.cantonese)) return true;
  }
  return false;
}

// Whether `token` spells the Han name's surname in pinyin, as its character or as a surname.
bool SurnamePinyin(const std::string& token, const PersonFeatures& han) {
  return token == PinyinSyllable(han, 0) || token == HanChars::Surname(han.name[0]).mandarin;
}

// A romanized name (Latin tokens as written) against a Han name: in pinyin ("Zhang Wei", "WEI
// Zhang", "Zhang Xiaoming") or in Hong Kong / Macau Cantonese style ("CHAN Tai Man").
bool RomanizationMatches(const std::vector<LatinToken>& tokens, const PersonFeatures& han) {
  const size_t n = han.name.size();
  if (tokens.empty() || n == 0) return false;
  // One token per character, surname first or last.
  if (tokens.size() == n) {
    for (int surname_last = 0; surname_last < 2; ++surname_last) {
      bool all = true;
      for (size_t i = 0; i < n && all; ++i) {
        const size_t t = surname_last ? (i == 0 ? n - 1 : i - 1) : i;
        all = SyllableMatches(tokens[t], han, i);
      }
      if (all) return true;
    }
  }
  // Surname and the given name written as one word ("Zhang Xiaoming", "Xiaoming Zhang").
  if (tokens.size() == 2 && n >= 2) {
    std::string given;
    for (size_t i = 1; i < n; ++i) given += PinyinSyllable(han, i);
    if ((SurnamePinyin(tokens[0], han) && tokens[1] == given) ||
        (SurnamePinyin(tokens[1], han) && tokens[0] == given)) {
      return true;
    }
  }
  return false;
}

// Tokens of two Latin names (sorted copies).
uint8_t CompareLatinNames(std::vector<LatinToken> a, std::vector<LatinToken> b) {
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  if (a == b) return kNameExact;
  if (a.size() == b.size()) {
    // Initials: "j smith" and "john smith"; every token equal or an initial of the other.
    std::vector<LatinToken> rest_a;
    std::vector<LatinToken> rest_b;
    std::set_difference(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(rest_a));
    std::set_difference(b.begin(), b.end(), a.begin(), a.end(), std::back_inserter(rest_b));
    bool initials = rest_a.size() == rest_b.size();
    std::vector<bool> used(rest_b.size(), false);
    for (size_t i = 0; i < rest_a.size() && initials; ++i) {
      bool found = false;
      for (size_t j = 0; j < rest_b.size() && !found; ++j) {
        if (used[j]) continue;
        const LatinToken& x = rest_a[i];
        const LatinToken& y = rest_b[j];
        if ((x.size() == 1 && y[0] == x[0]) || (y.size() == 1 && x[0] == y[0])) {
          used[j] = true;
          found = true;
        }
      }
      initials = found;
    }
    if (initials) return kNameNear;
  }
  // A middle name left out: the shorter name's tokens are all in the longer one.
  const auto& longer = a.size() > b.size() ? a : b;
  const auto& shorter = a.size() > b.size() ? b : a;
  if (shorter.size() >= 2 &&
      std::includes(longer.begin(), longer.end(), shorter.begin(), shorter.end())) {
    return kNamePartial;
  }
  return kNameDifferent;
}

absl::CivilDay ToDay(int32_t yyyymmdd) {
  return absl::CivilDay(yyyymmdd / 10000, yyyymmdd / 100 % 100, yyyymmdd % 100);
}

template <typename T>
size_t SortedIntersection(const std::vector<T>& a, const std::vector<T>& b) {
  size_t i = 0;
  size_t j = 0;
  size_t shared = 0;
  while (i < a.size() && j < b.size()) {
    if (a[i] < b[j]) {
      ++i;
    } else if (b[j] < a[i]) {
      ++j;
    } else {
      ++shared, ++i, ++j;
    }
  }
  return shared;
}

// Values where 0 means unknown.
template <typename T>
uint8_t CompareEqual(T a, T b) {
  if (a == 0 || b == 0) return kMissing;
  return a == b ? kEqualSame : kEqualDifferent;
}

bool HasNumber(const PersonFeatures& f) {
  return f.id != 0 || f.id_core != 0 || f.id_prefix15 != 0 || !f.id_edit_keys.empty() ||
         !f.id_bloom.empty();
}

}  // namespace

int LevelCount(Field field) { return kLevelCounts[field]; }

const char* FieldName(Field field) {
  static constexpr std::array<const char*, kFieldCount> kNames = {
      "name",      "birth_date", "sex",       "region",  "phone",
      "household", "address",    "id_number", "document"};
  return kNames[field];
}

const char* LevelName(Field field, uint8_t level) {
  if (level == kMissing) return "missing";
  switch (field) {
    case kName: {
      static constexpr std::array<const char*, 7> k = {
          "missing", "exact", "variant", "homophone", "near", "partial", "different"};
      return k[level];
    }
    case kBirth: {
      static constexpr std::array<const char*, 6> k = {"missing", "exact",      "one_edit",
                                                       "one_day", "same_month", "different"};
      return k[level];
    }
    case kRegion: {
      static constexpr std::array<const char*, 5> k = {"missing", "same_county", "same_city",
                                                       "same_province", "different"};
      return k[level];
    }
    case kAddress: {
      static constexpr std::array<const char*, 5> k = {"missing", "same", "close", "shared",
                                                       "different"};
      return k[level];
    }
    case kId: {
      static constexpr std::array<const char*, 6> k = {"missing", "same",      "near",
                                                       "similar", "different", "conflict"};
      return k[level];
    }
    default:
      return level == kEqualSame ? "same" : "different";
  }
}

uint8_t CompareName(const PersonFeatures& a, const PersonFeatures& b) {
  if (a.name.empty() || b.name.empty()) return kMissing;
  if (a.name_key == b.name_key && a.name == b.name) return kNameExact;
  const bool a_han = !a.syllables.empty();
  const bool b_han = !b.syllables.empty();
  if (a_han && b_han) return CompareHanNames(a, b);
  const bool a_latin = !a.latin.empty();
  const bool b_latin = !b.latin.empty();
  if (a_latin && b_latin) return CompareLatinNames(a.latin, b.latin);
  if (a_latin && b_han) return RomanizationMatches(a.latin, b) ? kNameHomophone : kNameDifferent;
  if (b_latin && a_han) return RomanizationMatches(b.latin, a) ? kNameHomophone : kNameDifferent;
  return kNameDifferent;
}

uint8_t CompareBirth(int32_t a, int32_t b) {
  if (a == 0 || b == 0) return kMissing;
  if (a == b) return kBirthExact;
  std::array<char, 8> x{};
  std::array<char, 8> y{};
  for (int i = 7, p = a, q = b; i >= 0; --i, p /= 10, q /= 10) {
    x[i] = static_cast<char>(p % 10);
    y[i] = static_cast<char>(q % 10);
  }
  {
    int diffs = 0;
    size_t first = 0;
    for (size_t i = 0; i < 8; ++i) {
      if (x[i] != y[i] && diffs++ == 0) first = i;
    }
    if (diffs == 1) return kBirthOneEdit;
    if (diffs == 2 && first + 1 < 8 && x[first] == y[first + 1] && x[first + 1] == y[first]) {
      return kBirthOneEdit;
    }
    // Day and month swapped: 1962-05-03 / 1962-03-05.
    if (a / 10000 == b / 10000 && a / 100 % 100 == b % 100 && a % 100 == b / 100 % 100) {
      return kBirthOneEdit;
    }
  }
  if (std::abs(ToDay(a) - ToDay(b)) == 1) return kBirthOneDay;
  if (a / 100 == b / 100) return kBirthSameMonth;
  return kBirthDifferent;
}

uint8_t CompareRegion(int32_t a, int32_t b) {
  if (a == 0 || b == 0) return kMissing;
  if (a == b) return kRegionCounty;
  if (a / 100 == b / 100) return kRegionCity;
  if (a / 10000 == b / 10000) return kRegionProvince;
  return kRegionDifferent;
}

uint8_t CompareAddress(const std::vector<uint32_t>& a, const std::vector<uint32_t>& b) {
  if (a.empty() || b.empty()) return kMissing;
  const size_t shared = SortedIntersection(a, b);
  const double jaccard =
      static_cast<double>(shared) / static_cast<double>(a.size() + b.size() - shared);
  if (jaccard >= 0.7) return kAddressSame;
  if (jaccard >= 0.4) return kAddressClose;
  if (jaccard >= 0.15) return kAddressShared;
  return kAddressDifferent;
}

uint8_t CompareId(const PersonFeatures& a, const PersonFeatures& b) {
  if (a.id != 0 && b.id != 0) return a.id == b.id ? kIdSame : kIdConflict;
  if (!HasNumber(a) || !HasNumber(b)) return kMissing;
  if ((a.id_core != 0 && a.id_core == b.id_core) ||
      (a.id_prefix15 != 0 && a.id_prefix15 == b.id_prefix15) ||
      SortedIntersection(a.id_edit_keys, b.id_edit_keys) > 0) {
    return kIdNear;
  }
  if (!a.id_bloom.empty() && !b.id_bloom.empty() &&
      common::BloomDice(a.id_bloom, b.id_bloom) >= 0.75) {
    return kIdSimilar;
  }
  return kIdDifferent;
}

ComparisonVector Compare(const PersonFeatures& a, const PersonFeatures& b) {
  ComparisonVector v{};
  v[kName] = CompareName(a, b);
  v[kBirth] = CompareBirth(a.birth, b.birth);
  v[kSex] = CompareEqual(a.sex, b.sex);
  v[kRegion] = CompareRegion(a.region, b.region);
  v[kPhone] = CompareEqual(a.phone, b.phone);
  v[kHousehold] = CompareEqual(a.household, b.household);
  v[kAddress] = CompareAddress(a.address_grams, b.address_grams);
  v[kId] = CompareId(a, b);
  v[kDocument] =
      a.document_type == b.document_type ? CompareEqual(a.document, b.document) : kMissing;
  return v;
}

}  // namespace lifeline::match::linkage
