// What the linkage engine compares about a person-bearing record, extracted once from the
// NormalizedPerson ingest sent: names as code points and pinyin syllables, dates as numbers, and
// every keyed identifier as a 64-bit hash. Comparing two records then costs no parsing and no
// allocation. No raw ID number is ever here: only ingest's keyed tokens, hashed again.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "lifeline/records/v1/records.pb.h"

namespace lifeline::match::linkage {

// Stable 64-bit hash of `text` (FNV-1a with a final avalanche); 0 only for "" (the "absent"
// value every feature uses).
uint64_t Hash64(std::string_view text);

// PersonFeatures::dwelling of `address`: the hash of its normalized text when it names one
// dwelling, else 0.
uint64_t DwellingOf(std::string_view address);

// One Latin-script name token, lower-case ASCII ("smith", "j").
using LatinToken = std::string;

struct PersonFeatures {
  // --- Name ---
  // name_normalized as code points (simplified Han, NFKC, no spaces or middle dots).
  std::u32string name;
  // Hash of each character's pinyin syllable (Han names) in order; empty for a name with no Han.
  std::vector<uint32_t> syllables;
  // Hash of each syllable after dialect folding (z/zh, c/ch, s/sh, n/l, f/h, -n/-ng).
  std::vector<uint32_t> dialect_syllables;
  // Whole-name hashes: exact characters, pinyin, dialect-folded pinyin. 0 without a name.
  uint64_t name_key = 0;
  uint64_t pinyin_key = 0;
  uint64_t dialect_key = 0;
  // Pinyin of the first character (the surname of most Han names) and of the rest.
  uint64_t surname_key = 0;
  uint64_t given_key = 0;
  // Latin-script tokens of the name as written (name_original), lower-case, in order; for foreign
  // names and romanized Chinese names. Empty for a Han name.
  std::vector<LatinToken> latin;
  // Hashed sounds the surname may be written in: its pinyin and Cantonese readings (Han names),
  // or each token of a Latin name read as pinyin or as Cantonese romanization. For blocking
  // romanized names against Han ones.
  std::vector<uint64_t> surname_sounds;
  // The pinyin syllables themselves (lower-case ASCII, one space apart: "zhang wei"), for
  // comparing with romanized names; one string, not one per syllable, as a million records'
  // features are held in memory. PinyinSyllable reads the i-th.
  std::string pinyin;

  // --- Dates, sex, places ---
  // Birth date as YYYYMMDD; 0 when unknown.
  int32_t birth = 0;
  // 0 unknown, 1 male, 2 female.
  uint8_t sex = 0;
  // Six-digit residence region code (region_code, else the ID number's region); 0 when unknown.
  int32_t region = 0;
  uint64_t phone = 0;
  uint64_t household = 0;
  // Hashes of the address's character bigrams, sorted and unique.
  std::vector<uint32_t> address_grams;
  // Hash of the address's first six characters (province and city, or city and county), for
  // blocking records that have no birth date or region.
  uint64_t address_head = 0;
  // Hash of the whole address (spaces and punctuation dropped, full-width letters and digits made
  // ASCII) when it names one dwelling: at least 8 characters ending in a house or room number
  // ("…九组40号", "…3栋502室"); 0 otherwise. Not for linking (a household shares it): for finding
  // the household of a person whose records carry no household id (DwellingKey, an index-only
  // key of the link index).
  uint64_t dwelling = 0;

  // --- Identifiers (hashes of ingest's keyed tokens) ---
  // Valid resident ID number; 0 when the record has none.
  uint64_t id = 0;
  // Near-match forms of any resident ID number, valid or not.
  uint64_t id_core = 0;
  uint64_t id_prefix15 = 0;
  std::vector<uint64_t> id_edit_keys;
  std::string id_bloom;
  // Another document (passport, permit): type and hashed token.
  int32_t document_type = 0;
  uint64_t document = 0;
};

// The i-th syllable of `f.pinyin` ("" past the last).
std::string_view PinyinSyllable(const PersonFeatures& f, size_t i);

// Extracts the features of `person`.
PersonFeatures ExtractFeatures(const records::v1::NormalizedPerson& person);

// The features of `count` persons, `person(i)` the i-th, extracted on up to `threads` threads
// (one for a handful of persons: a thread costs more than they do).
std::vector<PersonFeatures> ExtractFeatures(
    size_t count, const std::function<const records::v1::NormalizedPerson&(size_t)>& person,
    int threads);

// Folds one pinyin syllable (lower-case ASCII, no tones) the way dialect speech confuses it:
// zh→z, ch→c, sh→s, initial n→l, initial f→h, final -ng→-n. "zhang" → "zan", "neng" → "len".
std::string DialectFold(std::string_view syllable);

// Splits a name as written into lower-case ASCII Latin tokens (full-width letters folded;
// spaces, dots, commas, hyphens and middle dots separate tokens); other characters are dropped.
// "SMITH, John" → {"smith", "john"}. Unsorted.
std::vector<LatinToken> LatinTokens(std::string_view name);

}  // namespace lifeline::match::linkage
