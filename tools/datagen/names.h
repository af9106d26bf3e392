// Chinese names with the real skew: surnames drawn with published census shares, given names
// from cohort- and sex-dependent pools in which common names repeat, so that many different
// people share a name; and the region table (county-level codes of one province) with addresses.
// All tables are written for this project from public facts.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "tools/datagen/model.h"

namespace lifeline::datagen {

struct SurnameShare {
  const char* surname;  // UTF-8, one or two characters
  double share;         // fraction of the population, e.g. 0.0750 for 王
};
// The surname table, most common first. Shares of the first 1, 10 and 100 sum to about
// 0.075, 0.43 and 0.86; the remainder is spread over the rest of the table.
const std::vector<SurnameShare>& Surnames();

// Draws names. Thread-compatible: const after construction, so one instance may serve many
// threads as long as each brings its own RNG. Every draw uses only rng() words (no standard
// distributions), so a seed gives the same names with any standard library. A name is at most
// four characters (12 bytes) and fits std::string's short-string buffer: no heap allocation.
class NameGenerator {
 public:
  NameGenerator();
  // Draws a surname with the census shares of Surnames(), normalized.
  std::string Surname(std::mt19937_64& rng) const;
  // A given name typical of people of `sex` born in `birth_year` (one or two characters): drawn
  // from the pool of the birth decade (before 1950, 1950s, ..., 2000s, 2010 on), the year blurred
  // by up to two years, with Zipf weights so that the pool's first names repeat heavily; a
  // share that grows in later decades is composed from two characters of the decade and is
  // mostly rare.
  std::string GivenName(Sex sex, int birth_year, std::mt19937_64& rng) const;
  std::string FullName(Sex sex, int birth_year, std::mt19937_64& rng) const {
    return Surname(rng) + GivenName(sex, birth_year, rng);
  }

 private:
  // The given names of one birth decade and sex.
  struct Pool {
    std::vector<std::string_view> names;         // most common first
    std::vector<double> cdf;                     // cumulative Zipf weights of `names`, ending at 1
    std::vector<std::string_view> first_chars;   // for composed names: first character
    std::vector<std::string_view> second_chars;  // ... and second character
    double composed_share = 0;                   // fraction of draws that are composed
  };
  const Pool& PoolFor(Sex sex, int birth_year) const;

  std::vector<const char*> surnames_;
  std::vector<double> surname_cdf_;
  std::vector<Pool> pools_;  // [decade * 2 + (sex == kFemale)]
};

struct County {
  const char* code;  // 6-digit administrative division code
  const char* name;  // e.g. "霍邱县"
  // A mostly rural county (县) or county-level city (市) rather than a city district (区);
  // districts that were counties until recently (湾沚区, 繁昌区, 义安区) count as rural.
  bool rural;
  // Abolished code that older records of this county may still carry; nullptr if none.
  const char* old_code;
};
// County-level divisions of one province (Anhui, 34xxxx), written for this project: every
// district, county and county-level city of the 16 prefecture-level cities, ordered by code.
// Codes are unique; an old_code is never a current code.
const std::vector<County>& Counties();
// The prefecture-level city `county` belongs to ("六安市"), from the first four digits of its
// code; "" for a code outside the table.
const char* CityName(const County& county);

// Draws an address in `county`: "安徽省<市><县>XX镇XX村X组N号" when `rural`, otherwise
// "<市><区>XX路N号X栋X单元X室". Town, village and road names come from small tables of parts.
std::string MakeAddress(const County& county, bool rural, std::mt19937_64& rng);
// An abbreviated or older form of an address made by MakeAddress, as a stale agency record
// prints it: the province and city prefix dropped, an older village name (before a merger) or
// township (乡 before it became a 镇), or the house number or flat missing; one or two of these.
// Differs from `address` whenever any of them applies.
std::string StaleAddress(const std::string& address, std::mt19937_64& rng);

}  // namespace lifeline::datagen
