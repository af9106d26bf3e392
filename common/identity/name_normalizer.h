// Comparison form and pinyin of person names, shared by ingest-service and match-service.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <unicode/uversion.h>

#include "absl/status/statusor.h"

U_NAMESPACE_BEGIN
class Normalizer2;
class Transliterator;
U_NAMESPACE_END

namespace lifeline::common {

// A name in its comparison form and as pinyin.
struct NormalizedName {
  // See NameNormalizer::Normalize.
  std::string normalized;
  // See NameNormalizer::Pinyin.
  std::string pinyin;
};

// Turns names into the form records are compared in: Unicode NFKC with case folding (full-width
// forms folded, Latin letters lower-cased), no whitespace, zero-width or other format characters,
// no middle dots ("阿依古丽·买买提" and "阿依古丽买买提" compare equal), and traditional Han
// characters replaced by simplified ones (OpenCC t2s). Also gives the pinyin of a name.
//
// Each distinct Han character is converted (OpenCC) and transliterated (ICU "Han-Latin;
// Latin-ASCII; Lower", about 33 µs a call) once and cached for the normalizer's lifetime; the
// cache is bounded by the number of Han code points. Characters are converted one at a time, not
// as phrases: a name is not running text, and phrase rules are written for words.
//
// Thread-safe: the cache for the common CJK blocks is read lock-free; rarer Han characters (the
// extension planes) and cache misses take a mutex.
class NameNormalizer {
 public:
  struct Options {
    // OpenCC configuration, a file name under OpenCC's data directory (/usr/share/opencc) or a
    // path.
    std::string opencc_config = "t2s.json";
  };

  // Loads the OpenCC configuration and creates the ICU normalizer and transliterator. Returns
  // Unavailable when OpenCC's configuration or ICU's data cannot be loaded.
  static absl::StatusOr<std::unique_ptr<NameNormalizer>> Create(const Options& options);
  static absl::StatusOr<std::unique_ptr<NameNormalizer>> Create() { return Create(Options()); }

  NameNormalizer(const NameNormalizer&) = delete;
  NameNormalizer& operator=(const NameNormalizer&) = delete;
  ~NameNormalizer();

  // Returns the comparison form of `name` (see the class comment) and its pinyin, computed in one
  // pass. Invalid UTF-8 yields both empty.
  NormalizedName Normalize(std::string_view name) const;

  // Returns the comparison form of `name`; "" for invalid UTF-8 or a name of nothing but
  // whitespace and separators.
  std::string NormalizeName(std::string_view name) const;

  // Returns the pinyin of `name` after normalization: one lower-case ASCII syllable per Han
  // character without tone marks (张伟 and 張偉 and 张玮 → "zhang wei"; ü is written "u": 吕 →
  // "lu", 女 → "nu"), each character's default reading (no surname readings: 单 → "dan"). A run of
  // other characters passes through case-folded as one token ("李ming" → "li ming"); Latin letters
  // with diacritics and other scripts are kept as they are. Tokens are separated by one space.
  // Invalid UTF-8 yields "".
  std::string Pinyin(std::string_view name) const;

 private:
  // What a Han character becomes.
  struct HanEntry {
    std::string simplified;  // UTF-8
    std::string pinyin;      // lower-case ASCII; the character itself if ICU knows no reading
  };

  NameNormalizer(void* opencc, const icu::Normalizer2* nfkc_casefold,
                 std::unique_ptr<icu::Transliterator> transliterator);

  // Appends the comparison form of `name` to `normalized` and, when `pinyin` is not null, its
  // pinyin to `pinyin`. Returns false on invalid UTF-8.
  bool Run(std::string_view name, std::string* normalized, std::string* pinyin) const;
  const HanEntry& LookUpHan(int32_t c) const;
  HanEntry ComputeHan(int32_t c) const;  // needs mu_

  void* const opencc_;                           // opencc_t; OpenCC's conversion is thread-safe
  const icu::Normalizer2* const nfkc_casefold_;  // owned by ICU; thread-safe

  // Cache for U+3400..U+9FFF (CJK Extension A and Unified Ideographs), published lock-free.
  std::unique_ptr<std::atomic<const HanEntry*>[]> dense_;

  mutable std::mutex mu_;
  const std::unique_ptr<icu::Transliterator> transliterator_;  // guarded by mu_ (not thread-safe)
  mutable std::vector<std::unique_ptr<HanEntry>> dense_entries_;  // guarded by mu_; owns dense_
  mutable std::unordered_map<int32_t, HanEntry> sparse_;          // guarded by mu_
};

// Returns the process-wide normalizer with default options, creating it on first use. Aborts
// with a message when OpenCC's t2s configuration or ICU's data is missing (a broken
// installation, see scripts/install-deps.sh); a service may call it at startup to fail early.
const NameNormalizer& DefaultNameNormalizer();

}  // namespace lifeline::common
