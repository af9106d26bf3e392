// The noise real agency data has, applied to clean generated values at configurable rates.
// Every application is recorded (NoiseKindCode) so that the truth file can say what was done.
#pragma once

#include <array>
#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#include "tools/datagen/model.h"

namespace lifeline::datagen {

enum class NoiseKind {
  kNameHomophone = 0,  // 张伟 -> 张玮 (same pinyin, other character)
  kNameLookalike,      // 王 -> 玉 (similar shape)
  kNameTraditional,    // 刘德华 -> 劉德華
  kNameSpacing,        // 李 秀兰, 李·秀兰, zero-width characters
  kFullWidth,          // ３４１５２３... and Ｘ in ID numbers and phones
  kIdSpaces,           // 341523 19620520 1577
  kIdLowercaseX,       // ...123x
  kIdLegacy15,         // 15-digit legacy number (people born 1900-1999 only)
  kIdMissing,          // number left empty though the person has one
  kIdWrongCheck,       // one digit mistyped: the check character no longer matches
  kIdSpreadsheet,      // 3.41523E+17 or trailing digits turned to zeros
  kBirthTransposed,    // two adjacent digits of the birth date swapped (record's birth field)
  kPhoneFormat,        // +86 139-0000-0457, spaces, dashes
  kAddressStale,       // the person's old address, or an abbreviated one
  kDuplicateRecord,    // the same record sent twice
  kRecordUpdate,       // the record sent again later with a new version
  kCount,
};
inline constexpr int kNoiseKindCount = static_cast<int>(NoiseKind::kCount);

// Stable lower_snake code: "name_homophone", "id_wrong_check", ...
const char* NoiseKindCode(NoiseKind kind);
// Parses a code back. Errors: InvalidArgument naming the unknown code.
absl::StatusOr<NoiseKind> ParseNoiseKind(std::string_view code);

enum class NoiseLevel { kOff = 0, kLow, kDefault, kHigh };
// "off" | "low" | "default" | "high". Errors: InvalidArgument.
absl::StatusOr<NoiseLevel> ParseNoiseLevel(std::string_view text);
const char* NoiseLevelName(NoiseLevel level);

// Per-kind probabilities. Build with ForLevel, then override single kinds. A rate is the chance
// that a record the kind can apply to gets it: kinds that need something (an ID number ending in
// X, a name character with a homophone, a birth year 19xx for legacy15) are drawn only on records
// that have it. The four ID-number damages (missing, legacy15, wrong_check, spreadsheet) exclude
// each other and are drawn together, so each keeps its own rate as long as their sum is at most 1
// (above that they are scaled down to sum to 1).
class NoiseConfig {
 public:
  // Every kind at `level`'s rate for that kind: off = 0, low = 0.3 x base, default = base,
  // high = 2.5 x base, capped at 1.
  static NoiseConfig ForLevel(NoiseLevel level);
  // The default-level rate of `kind`: what a county's real exports look like.
  static double BaseRate(NoiseKind kind);
  // `kind`'s rate at `level` (as ForLevel computes it).
  static double LevelRate(NoiseKind kind, NoiseLevel level);
  // Parses "default" or "default,id_missing=high,name_traditional=off": an optional level for
  // every kind first (default when absent), then overrides, each `kind=level` or `kind=<rate>`
  // with a rate in [0, 1]. Errors: InvalidArgument naming the unknown kind, level or bad rate.
  static absl::StatusOr<NoiseConfig> Parse(std::string_view spec);

  double rate(NoiseKind kind) const { return rates_[static_cast<int>(kind)]; }
  void set_rate(NoiseKind kind, double rate) { rates_[static_cast<int>(kind)] = rate; }
  // "kind=rate,..." for the summary.
  std::string ToString() const;

 private:
  std::array<double, kNoiseKindCount> rates_{};
};

// Applies noise to one record's person fields. Not thread-safe (holds the RNG by reference).
class NoiseApplier {
 public:
  NoiseApplier(const NoiseConfig& config, std::mt19937_64& rng) : config_(config), rng_(rng) {}

  // Damages `record->record.person()` (name, id_number, birth_date, phone, address) in place,
  // each kind drawn independently at its rate, appends the kinds applied to `record->noise` and
  // sets `record->id_status`. `person` is the clean truth the record came from. The record-level
  // kinds (duplicate, update) are not applied here: see WantDuplicate / WantUpdate.
  void Apply(const Person& person, AgencyRecord* record);

  // Draw the record-level kinds: whether to send this record twice, or again later as a new
  // version. The caller appends the code to the noise of the copy it makes.
  bool WantDuplicate();
  bool WantUpdate();

 private:
  // True with probability rate(kind); consumes no randomness for rates 0 and 1.
  bool Draw(NoiseKind kind);
  // Uniform in [0, 1).
  double Uniform();
  // Uniform in [0, n), n > 0.
  size_t Below(size_t n);
  void ApplyName(std::string* name, std::vector<std::string>* noise);
  // Applies the ID-number kinds to `id` (clean, non-empty) and returns the id_status.
  const char* ApplyIdNumber(std::string* id, bool* full_width_id, std::vector<std::string>* noise);

  const NoiseConfig& config_;
  std::mt19937_64& rng_;
};

}  // namespace lifeline::datagen
