#include "tools/datagen/names.h"

#include <algorithm>
#include <cstdint>
#include <iostream>
#include <map>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace lifeline::datagen {
namespace {

using ::testing::AnyOf;
using ::testing::EndsWith;
using ::testing::HasSubstr;
using ::testing::StartsWith;

double ShareOfFirst(size_t n) {
  double sum = 0;
  const std::vector<SurnameShare>& table = Surnames();
  for (size_t i = 0; i < n && i < table.size(); ++i) sum += table[i].share;
  return sum;
}

TEST(SurnamesTest, TableHasCensusShares) {
  const std::vector<SurnameShare>& table = Surnames();
  ASSERT_GE(table.size(), 300u);
  EXPECT_STREQ(table[0].surname, "王");
  EXPECT_NEAR(table[0].share, 0.075, 0.002);
  EXPECT_NEAR(ShareOfFirst(10), 0.43, 0.01);
  EXPECT_NEAR(ShareOfFirst(100), 0.86, 0.01);
  const double total = ShareOfFirst(table.size());
  EXPECT_LE(total, 1.0);
  EXPECT_GT(total, 0.99);
  // The remainder is spread over the whole rest of the table, each surname a little.
  EXPECT_GT(table.back().share, 0.0);
}

TEST(SurnamesTest, TableIsOrderedUniqueAndHasCompoundSurnames) {
  const std::vector<SurnameShare>& table = Surnames();
  std::set<std::string> seen;
  for (size_t i = 0; i < table.size(); ++i) {
    const std::string s = table[i].surname;
    EXPECT_TRUE(s.size() == 3 || s.size() == 6) << s;
    EXPECT_TRUE(seen.insert(s).second) << "duplicate " << s;
    if (i > 0) {
      EXPECT_LE(table[i].share, table[i - 1].share) << s;
    }
  }
  for (const char* compound : {"欧阳", "司马", "诸葛", "上官"}) {
    EXPECT_TRUE(seen.count(compound)) << compound;
  }
}

TEST(NameGeneratorTest, SurnameDrawsMatchShares) {
  const NameGenerator names;
  std::mt19937_64 rng(20240601);
  std::set<std::string> top10;
  std::set<std::string> top100;
  for (size_t i = 0; i < 100; ++i) {
    (i < 10 ? top10 : top100).insert(Surnames()[i].surname);
  }
  constexpr int kDraws = 200000;
  int wang = 0;
  int in_top10 = 0;
  int in_top100 = 0;
  for (int i = 0; i < kDraws; ++i) {
    const std::string s = names.Surname(rng);
    if (s == "王") ++wang;
    if (top10.count(s)) {
      ++in_top10;
      ++in_top100;
    } else if (top100.count(s)) {
      ++in_top100;
    }
  }
  const double wang_share = static_cast<double>(wang) / kDraws;
  const double top10_share = static_cast<double>(in_top10) / kDraws;
  const double top100_share = static_cast<double>(in_top100) / kDraws;
  std::cout << "surname draws: 王 " << wang_share << ", top 10 " << top10_share << ", top 100 "
            << top100_share << "\n";
  EXPECT_NEAR(wang_share, 0.075, 0.005);
  EXPECT_NEAR(top10_share, 0.43, 0.02);
  EXPECT_NEAR(top100_share, 0.86, 0.02);
}

// Birth years with the rough shape of China's age pyramid: few born in the 1930s and 1940s, the
// 1960s-1980s booms, fewer births since 2000.
int DrawBirthYear(std::mt19937_64& rng) {
  struct Decade {
    int first;
    int last;
    double weight;
  };
  static constexpr Decade kDecades[] = {
      {1930, 1939, 2},  {1940, 1949, 5},  {1950, 1959, 11}, {1960, 1969, 17}, {1970, 1979, 16},
      {1980, 1989, 16}, {1990, 1999, 13}, {2000, 2009, 10}, {2010, 2024, 10},
  };
  double total = 0;
  for (const Decade& d : kDecades) total += d.weight;
  double u = static_cast<double>(rng() >> 11) * 0x1.0p-53 * total;
  for (const Decade& d : kDecades) {
    if (u < d.weight) {
      return d.first + static_cast<int>(rng() % static_cast<uint64_t>(d.last - d.first + 1));
    }
    u -= d.weight;
  }
  return 2024;
}

TEST(NameGeneratorTest, ManyPeopleShareTheirFullName) {
  const NameGenerator names;
  std::mt19937_64 rng(7);
  constexpr int kPeople = 50000;
  std::unordered_map<std::string, int> counts;
  for (int i = 0; i < kPeople; ++i) {
    const Sex sex = (rng() & 1) ? Sex::kMale : Sex::kFemale;
    const int year = DrawBirthYear(rng);
    ++counts[names.FullName(sex, year, rng)];
  }
  int sharing = 0;
  std::string most_common;
  int most = 0;
  for (const auto& [name, count] : counts) {
    if (count >= 2) sharing += count;
    if (count > most || (count == most && name < most_common)) {
      most = count;
      most_common = name;
    }
  }
  const double sharing_share = static_cast<double>(sharing) / kPeople;
  std::cout << "full names: " << counts.size() << " distinct among " << kPeople << ", "
            << sharing_share << " of people share theirs, most common " << most_common << " x"
            << most << "\n";
  EXPECT_GE(sharing_share, 0.25);
  EXPECT_GE(most, 30);
  // Sharing comes from the skew, not from a tiny vocabulary.
  EXPECT_GT(counts.size(), 15000u);
}

std::map<std::string, int> GivenNames(const NameGenerator& names, Sex sex, int first_year,
                                      int last_year, int draws, std::mt19937_64& rng) {
  std::map<std::string, int> counts;
  for (int i = 0; i < draws; ++i) {
    const int year = first_year + static_cast<int>(i % (last_year - first_year + 1));
    ++counts[names.GivenName(sex, year, rng)];
  }
  return counts;
}

std::string MostCommon(const std::map<std::string, int>& counts) {
  return std::max_element(counts.begin(), counts.end(),
                          [](const auto& a, const auto& b) { return a.second < b.second; })
      ->first;
}

TEST(NameGeneratorTest, CohortsHaveTheirOwnNames) {
  const NameGenerator names;
  std::mt19937_64 rng(11);
  const auto men_1950s = GivenNames(names, Sex::kMale, 1952, 1957, 20000, rng);
  const auto women_1950s = GivenNames(names, Sex::kFemale, 1952, 1957, 20000, rng);
  const auto men_1980s = GivenNames(names, Sex::kMale, 1982, 1987, 20000, rng);
  const auto women_1980s = GivenNames(names, Sex::kFemale, 1982, 1987, 20000, rng);
  const auto boys_2010s = GivenNames(names, Sex::kMale, 2013, 2024, 20000, rng);
  const auto girls_2010s = GivenNames(names, Sex::kFemale, 2013, 2024, 20000, rng);

  EXPECT_GT(men_1950s.count("建国") ? men_1950s.at("建国") : 0, 200);
  EXPECT_GT(women_1950s.count("秀英") ? women_1950s.at("秀英") : 0, 200);
  EXPECT_EQ(men_1950s.count("秀英"), 0u);
  EXPECT_EQ(women_1950s.count("建国"), 0u);
  EXPECT_EQ(MostCommon(men_1980s), "伟");
  EXPECT_THAT(MostCommon(women_1980s), AnyOf("静", "丽"));
  for (const char* old : {"建国", "秀英", "桂兰", "淑珍", "援朝"}) {
    EXPECT_EQ(boys_2010s.count(old) + girls_2010s.count(old), 0u) << old;
  }
  EXPECT_GT(boys_2010s.count("浩宇") ? boys_2010s.at("浩宇") : 0, 200);
  EXPECT_GT(girls_2010s.count("一诺") ? girls_2010s.at("一诺") : 0, 200);
}

TEST(NameGeneratorTest, GivenNamesHaveOneOrTwoCharacters) {
  const NameGenerator names;
  std::mt19937_64 rng(3);
  int one = 0;
  int two = 0;
  for (int year = 1930; year <= 2024; ++year) {
    for (const Sex sex : {Sex::kMale, Sex::kFemale}) {
      for (int i = 0; i < 50; ++i) {
        const std::string name = names.GivenName(sex, year, rng);
        ASSERT_TRUE(name.size() == 3 || name.size() == 6) << name;
        (name.size() == 3 ? one : two)++;
      }
    }
  }
  EXPECT_GT(one, 500);
  EXPECT_GT(two, 2 * one);
}

TEST(NameGeneratorTest, SameSeedSameNames) {
  const NameGenerator a;
  const NameGenerator b;
  std::mt19937_64 rng_a(42);
  std::mt19937_64 rng_b(42);
  std::mt19937_64 rng_c(43);
  int differ_from_other_seed = 0;
  for (int i = 0; i < 1000; ++i) {
    const Sex sex = i % 2 ? Sex::kMale : Sex::kFemale;
    const int year = 1930 + i % 95;
    const std::string name = a.FullName(sex, year, rng_a);
    EXPECT_EQ(name, b.FullName(sex, year, rng_b));
    if (name != a.FullName(sex, year, rng_c)) ++differ_from_other_seed;
  }
  EXPECT_GT(differ_from_other_seed, 900);
}

TEST(CountiesTest, CodesAreValidAndUnique) {
  const std::vector<County>& counties = Counties();
  ASSERT_GE(counties.size(), 40u);
  std::set<std::string> codes;
  for (const County& c : counties) codes.insert(c.code);
  EXPECT_EQ(codes.size(), counties.size());
  int with_old_code = 0;
  for (const County& c : counties) {
    const std::string code = c.code;
    const std::string name = c.name;
    ASSERT_EQ(code.size(), 6u) << code;
    EXPECT_TRUE(std::all_of(code.begin(), code.end(), [](char ch) {
      return ch >= '0' && ch <= '9';
    })) << code;
    EXPECT_THAT(code, StartsWith("34"));
    EXPECT_THAT(name, AnyOf(EndsWith("区"), EndsWith("县"), EndsWith("市"))) << code;
    if (name.ends_with("县") || name.ends_with("市")) {
      EXPECT_TRUE(c.rural) << name;
    }
    // A rural district is a former county, which had a code of its own.
    if (name.ends_with("区") && c.rural) {
      EXPECT_NE(c.old_code, nullptr) << name;
    }
    EXPECT_THAT(std::string(CityName(c)), EndsWith("市")) << code;
    if (c.old_code != nullptr) {
      ++with_old_code;
      const std::string old = c.old_code;
      EXPECT_EQ(old.size(), 6u) << code;
      EXPECT_THAT(old, StartsWith("34"));
      EXPECT_EQ(codes.count(old), 0u) << "old code " << old << " is still in use";
    }
  }
  EXPECT_GE(with_old_code, 3);
}

TEST(AddressTest, RuralAndUrbanAddressesNameTheCounty) {
  std::mt19937_64 rng(5);
  for (const County& c : Counties()) {
    const std::string city = CityName(c);
    const std::string rural = MakeAddress(c, true, rng);
    EXPECT_THAT(rural, StartsWith("安徽省" + city + c.name));
    EXPECT_THAT(rural, AnyOf(HasSubstr("镇"), HasSubstr("乡")));
    EXPECT_THAT(rural, HasSubstr("村"));
    EXPECT_THAT(rural, HasSubstr("组"));
    EXPECT_THAT(rural, EndsWith("号"));
    const std::string urban = MakeAddress(c, false, rng);
    EXPECT_THAT(urban, StartsWith(city + c.name));
    EXPECT_THAT(urban, AnyOf(HasSubstr("路"), HasSubstr("街"), HasSubstr("大道")));
    EXPECT_THAT(urban, HasSubstr("单元"));
    EXPECT_THAT(urban, EndsWith("室"));
  }
}

TEST(AddressTest, AddressesVary) {
  std::mt19937_64 rng(6);
  const County& county = Counties().front();
  std::set<std::string> rural;
  std::set<std::string> urban;
  for (int i = 0; i < 1000; ++i) {
    rural.insert(MakeAddress(county, true, rng));
    urban.insert(MakeAddress(county, false, rng));
  }
  EXPECT_GT(rural.size(), 990u);
  EXPECT_GT(urban.size(), 990u);
}

TEST(AddressTest, StaleAddressIsAnOlderOrShorterForm) {
  std::mt19937_64 rng(8);
  int dropped_province = 0;
  int other_village = 0;
  int no_number = 0;
  for (const County& c : Counties()) {
    for (int i = 0; i < 10; ++i) {
      const std::string rural = MakeAddress(c, true, rng);
      const std::string stale = StaleAddress(rural, rng);
      EXPECT_NE(stale, rural);
      EXPECT_FALSE(stale.empty());
      EXPECT_THAT(stale, HasSubstr(c.name));  // the county stays
      if (!stale.starts_with("安徽省")) ++dropped_province;
      if (!stale.ends_with("号")) ++no_number;
      const size_t village = rural.find("村");
      if (stale.find(rural.substr(village - 6, 9)) == std::string::npos) ++other_village;

      const std::string urban = MakeAddress(c, false, rng);
      const std::string stale_urban = StaleAddress(urban, rng);
      EXPECT_NE(stale_urban, urban);
      EXPECT_THAT(stale_urban, HasSubstr(c.name));
    }
  }
  const int n = static_cast<int>(Counties().size()) * 10;
  EXPECT_GT(dropped_province, n / 5);
  EXPECT_GT(other_village, n / 5);
  EXPECT_GT(no_number, n / 5);
}

}  // namespace
}  // namespace lifeline::datagen
