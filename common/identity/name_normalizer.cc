#include "common/identity/name_normalizer.h"

#include <cstdio>
#include <cstdlib>
#include <utility>

#include <opencc/opencc.h>
#include <unicode/bytestream.h>
#include <unicode/normalizer2.h>
#include <unicode/translit.h>
#include <unicode/uchar.h>
#include <unicode/uscript.h>
#include <unicode/utf8.h>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace lifeline::common {
namespace {

constexpr int32_t kDenseFirst = 0x3400;  // CJK Unified Ideographs Extension A
constexpr int32_t kDenseLast = 0x9FFF;   // end of CJK Unified Ideographs
constexpr size_t kDenseSize = kDenseLast - kDenseFirst + 1;

constexpr char kTransliteratorId[] = "Han-Latin; Latin-ASCII; Lower";

// Separators people put inside names: middle dots of every script and font ("阿卜杜·热合曼"),
// and a plain full stop typed when the dot was not at hand. Checked after NFKC, which turns
// U+FF65 into U+30FB and U+FF0E into '.'.
bool IsNameSeparator(UChar32 c) {
  switch (c) {
    case 0x002E:  // FULL STOP
    case 0x00B7:  // MIDDLE DOT
    case 0x2022:  // BULLET
    case 0x2027:  // HYPHENATION POINT
    case 0x30FB:  // KATAKANA MIDDLE DOT
    case 0xFF65:  // HALFWIDTH KATAKANA MIDDLE DOT
    case 0x22C5:  // DOT OPERATOR
    case 0x2219:  // BULLET OPERATOR
      return true;
    default:
      return false;
  }
}

// Whitespace, zero-width characters (U+200B..U+200D, U+2060, U+FEFF) and other format characters.
bool IsInvisible(UChar32 c) {
  return c == 0x200B || c == 0x200C || c == 0x200D || c == 0x2060 || c == 0xFEFF ||
         u_isUWhiteSpace(c) || u_charType(c) == U_FORMAT_CHAR;
}

bool IsAsciiSkipped(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f' || c == '.';
}

bool IsHan(UChar32 c) {
  if (c >= kDenseFirst && c <= kDenseLast) return true;
  UErrorCode error = U_ZERO_ERROR;
  return uscript_getScript(c, &error) == USCRIPT_HAN && U_SUCCESS(error);
}

bool IsValidUtf8(std::string_view text) {
  const auto* bytes = reinterpret_cast<const uint8_t*>(text.data());
  const int32_t length = static_cast<int32_t>(text.size());
  int32_t i = 0;
  while (i < length) {
    if (bytes[i] < 0x80) {
      ++i;
      continue;
    }
    UChar32 c = 0;
    U8_NEXT(bytes, i, length, c);
    if (c < 0) return false;
  }
  return true;
}

void AppendUtf8(UChar32 c, std::string* out) {
  char buffer[U8_MAX_LENGTH];
  int32_t length = 0;
  U8_APPEND_UNSAFE(buffer, length, c);
  out->append(buffer, static_cast<size_t>(length));
}

// Keeps the lower-case ASCII letters of a transliteration, one space between syllables.
std::string CleanSyllables(const std::string& latin) {
  std::string out;
  for (char c : latin) {
    if (c >= 'a' && c <= 'z') {
      out.push_back(c);
    } else if (c == ' ' && !out.empty() && out.back() != ' ') {
      out.push_back(' ');
    } else if (static_cast<unsigned char>(c) >= 0x80 || (c >= 'A' && c <= 'Z')) {
      return "";  // not (fully) transliterated
    }
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

}  // namespace

absl::StatusOr<std::unique_ptr<NameNormalizer>> NameNormalizer::Create(const Options& options) {
  UErrorCode error = U_ZERO_ERROR;
  const icu::Normalizer2* nfkc_casefold = icu::Normalizer2::getNFKCCasefoldInstance(error);
  if (U_FAILURE(error) || nfkc_casefold == nullptr) {
    return absl::UnavailableError(std::string("ICU NFKC_Casefold normalizer unavailable: ") +
                                  u_errorName(error));
  }
  error = U_ZERO_ERROR;
  std::unique_ptr<icu::Transliterator> transliterator(icu::Transliterator::createInstance(
      icu::UnicodeString(kTransliteratorId, -1, US_INV), UTRANS_FORWARD, error));
  if (U_FAILURE(error) || transliterator == nullptr) {
    return absl::UnavailableError(absl::StrCat("ICU transliterator \"", kTransliteratorId,
                                               "\" unavailable: ", u_errorName(error)));
  }
  // The C API catches OpenCC's exceptions and returns (opencc_t)-1.
  opencc_t opencc = opencc_open(options.opencc_config.c_str());
  if (opencc == reinterpret_cast<opencc_t>(-1) || opencc == nullptr) {
    return absl::UnavailableError("OpenCC configuration " + options.opencc_config +
                                  " cannot be loaded (is libopencc-data installed?)");
  }
  return std::unique_ptr<NameNormalizer>(
      new NameNormalizer(opencc, nfkc_casefold, std::move(transliterator)));
}

NameNormalizer::NameNormalizer(void* opencc, const icu::Normalizer2* nfkc_casefold,
                               std::unique_ptr<icu::Transliterator> transliterator)
    : opencc_(opencc),
      nfkc_casefold_(nfkc_casefold),
      dense_(new std::atomic<const HanEntry*>[kDenseSize]),
      transliterator_(std::move(transliterator)) {
  for (size_t i = 0; i < kDenseSize; ++i) dense_[i].store(nullptr, std::memory_order_relaxed);
}

NameNormalizer::~NameNormalizer() { opencc_close(opencc_); }

NormalizedName NameNormalizer::Normalize(std::string_view name) const {
  NormalizedName out;
  if (!Run(name, &out.normalized, &out.pinyin)) return NormalizedName();
  return out;
}

std::string NameNormalizer::NormalizeName(std::string_view name) const {
  std::string out;
  if (!Run(name, &out, nullptr)) return "";
  return out;
}

std::string NameNormalizer::Pinyin(std::string_view name) const {
  std::string normalized;
  std::string pinyin;
  if (!Run(name, &normalized, &pinyin)) return "";
  return pinyin;
}

bool NameNormalizer::Run(std::string_view name, std::string* normalized,
                         std::string* pinyin) const {
  if (!IsValidUtf8(name)) return false;
  std::string folded;
  std::string_view text = name;
  const icu::StringPiece piece(name.data(), static_cast<int32_t>(name.size()));
  UErrorCode error = U_ZERO_ERROR;
  if (!nfkc_casefold_->isNormalizedUTF8(piece, error) || U_FAILURE(error)) {
    error = U_ZERO_ERROR;
    icu::StringByteSink<std::string> sink(&folded, static_cast<int32_t>(name.size()));
    nfkc_casefold_->normalizeUTF8(0, piece, sink, nullptr, error);
    if (U_FAILURE(error)) return false;
    text = folded;
  }

  normalized->reserve(text.size());
  if (pinyin != nullptr) pinyin->reserve(text.size() * 2);
  bool in_other_run = false;  // a run of non-Han characters is one pinyin token
  const auto* bytes = reinterpret_cast<const uint8_t*>(text.data());
  const int32_t length = static_cast<int32_t>(text.size());
  for (int32_t i = 0; i < length;) {
    if (bytes[i] < 0x80) {
      const char c = static_cast<char>(bytes[i++]);
      if (IsAsciiSkipped(c)) continue;
      normalized->push_back(c);
      if (pinyin != nullptr) {
        if (!in_other_run && !pinyin->empty()) pinyin->push_back(' ');
        in_other_run = true;
        pinyin->push_back(c);
      }
      continue;
    }
    const int32_t start = i;
    UChar32 c = 0;
    U8_NEXT(bytes, i, length, c);
    if (c < 0 || IsInvisible(c) || IsNameSeparator(c)) continue;
    if (IsHan(c)) {
      const HanEntry& entry = LookUpHan(c);
      normalized->append(entry.simplified);
      if (pinyin != nullptr) {
        if (!pinyin->empty()) pinyin->push_back(' ');
        pinyin->append(entry.pinyin);
        in_other_run = false;
      }
      continue;
    }
    const std::string_view utf8 =
        text.substr(static_cast<size_t>(start), static_cast<size_t>(i - start));
    normalized->append(utf8);
    if (pinyin != nullptr) {
      if (!in_other_run && !pinyin->empty()) pinyin->push_back(' ');
      in_other_run = true;
      pinyin->append(utf8);
    }
  }
  return true;
}

const NameNormalizer::HanEntry& NameNormalizer::LookUpHan(int32_t c) const {
  if (c >= kDenseFirst && c <= kDenseLast) {
    std::atomic<const HanEntry*>& slot = dense_[static_cast<size_t>(c - kDenseFirst)];
    const HanEntry* entry = slot.load(std::memory_order_acquire);
    if (entry != nullptr) return *entry;
    std::lock_guard<std::mutex> lock(mu_);
    entry = slot.load(std::memory_order_relaxed);
    if (entry != nullptr) return *entry;
    dense_entries_.push_back(std::make_unique<HanEntry>(ComputeHan(c)));
    entry = dense_entries_.back().get();
    slot.store(entry, std::memory_order_release);
    return *entry;
  }
  std::lock_guard<std::mutex> lock(mu_);
  auto it = sparse_.find(c);
  if (it == sparse_.end()) it = sparse_.emplace(c, ComputeHan(c)).first;
  return it->second;  // references into an unordered_map stay valid as it grows
}

NameNormalizer::HanEntry NameNormalizer::ComputeHan(int32_t c) const {
  HanEntry entry;
  std::string original;
  AppendUtf8(c, &original);
  char* converted = opencc_convert_utf8(opencc_, original.data(), original.size());
  if (converted != nullptr) {
    entry.simplified = converted;
    opencc_convert_utf8_free(converted);
  }
  if (entry.simplified.empty()) entry.simplified = original;

  icu::UnicodeString text = icu::UnicodeString::fromUTF8(entry.simplified);
  transliterator_->transliterate(text);
  std::string latin;
  text.toUTF8String(latin);
  entry.pinyin = CleanSyllables(latin);
  if (entry.pinyin.empty()) entry.pinyin = entry.simplified;
  return entry;
}

const NameNormalizer& DefaultNameNormalizer() {
  static const NameNormalizer* const normalizer = [] {
    absl::StatusOr<std::unique_ptr<NameNormalizer>> created = NameNormalizer::Create();
    if (!created.ok()) {
      std::fprintf(stderr, "lifeline: cannot create the name normalizer: %s\n",
                   std::string(created.status().message()).c_str());
      std::abort();
    }
    return created->release();
  }();
  return *normalizer;
}

}  // namespace lifeline::common
