#include "tools/datagen/noise.h"

#include <algorithm>
#include <cstddef>
#include <initializer_list>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

#include "common/identity/id_number.h"
#include "tools/datagen/chars.h"

namespace lifeline::datagen {
namespace {

using common::IdNumberProblem;

constexpr const char* kKindCodes[kNoiseKindCount] = {
    "name_homophone", "name_lookalike", "name_traditional", "name_spacing",
    "full_width",     "id_spaces",      "id_lowercase_x",   "id_legacy15",
    "id_missing",     "id_wrong_check", "id_spreadsheet",   "birth_transposed",
    "phone_format",   "address_stale",  "duplicate_record", "record_update",
};

// Default-level rates: the share of applicable records a county's real exports show for each
// kind. Starting points, tuned against the matching difficulty test.
constexpr double kBaseRates[kNoiseKindCount] = {
    0.03,  // name_homophone
    0.01,  // name_lookalike
    0.02,  // name_traditional
    0.03,  // name_spacing
    0.03,  // full_width
    0.03,  // id_spaces
    0.60,  // id_lowercase_x (of numbers ending in X)
    0.03,  // id_legacy15 (of numbers of people born 1900-1999)
    0.05,  // id_missing
    0.03,  // id_wrong_check
    0.01,  // id_spreadsheet (of numbers ending in a digit)
    0.03,  // birth_transposed
    0.25,  // phone_format
    0.10,  // address_stale
    0.01,  // duplicate_record
    0.03,  // record_update
};

constexpr double kLevelFactors[] = {0.0, 0.3, 1.0, 2.5};  // off, low, default, high
constexpr const char* kLevelNames[] = {"off", "low", "default", "high"};

// Separators people (or their software) leave inside a name: a space, an ideographic space, a
// middle dot, a zero-width space. NormalizeName removes all of them.
constexpr std::string_view kNameSeparators[] = {" ", "\u3000", "\u00B7", "\u200B"};

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Debian's Abseil has its own string_view type.
absl::string_view Av(std::string_view s) { return absl::string_view(s.data(), s.size()); }

// Concatenates pieces without Abseil (whose string_view is not std's here).
std::string Cat(std::initializer_list<std::string_view> pieces) {
  size_t size = 0;
  for (std::string_view piece : pieces) size += piece.size();
  std::string out;
  out.reserve(size);
  for (std::string_view piece : pieces) out.append(piece);
  return out;
}

bool AllDigits(std::string_view s) {
  for (char c : s) {
    if (!IsDigit(c)) return false;
  }
  return true;
}

// Whether "YYYYMMDD" (digits) is a real Gregorian calendar date, as the ID-number parser judges.
bool IsRealDate(std::string_view yyyymmdd) {
  auto value = [&](size_t from, size_t length) {
    int v = 0;
    for (size_t i = from; i < from + length; ++i) v = v * 10 + (yyyymmdd[i] - '0');
    return v;
  };
  const int year = value(0, 4);
  const int month = value(4, 2);
  const int day = value(6, 2);
  if (year < 1 || month < 1 || month > 12 || day < 1) return false;
  constexpr int kDaysInMonth[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return day <= kDaysInMonth[month - 1] + (month == 2 && leap ? 1 : 0);
}

// Appends the full-width form of ASCII digits, X/x, '+', '-' and space; other bytes as they are.
std::string ToFullWidth(std::string_view text) {
  std::string out;
  out.reserve(text.size() * 3);
  for (char c : text) {
    if (IsDigit(c)) {
      out += "\xEF\xBC";  // U+FF10 + digit
      out.push_back(static_cast<char>(0x90 + (c - '0')));
    } else if (c == 'X') {
      out += "\xEF\xBC\xB8";  // U+FF38
    } else if (c == 'x') {
      out += "\xEF\xBD\x98";  // U+FF58
    } else if (c == '+') {
      out += "\xEF\xBC\x8B";  // U+FF0B
    } else if (c == '-') {
      out += "\xEF\xBC\x8D";  // U+FF0D
    } else if (c == ' ') {
      out += "\xE3\x80\x80";  // U+3000
    } else {
      out.push_back(c);
    }
  }
  return out;
}

// What a spreadsheet's General format shows for an 18-digit number in a narrow column: six
// significant digits, trailing zeros dropped ("3.41523E+17").
std::string ScientificNotation(std::string_view digits) {
  int mantissa = 0;
  for (size_t i = 0; i < 6; ++i) mantissa = mantissa * 10 + (digits[i] - '0');
  int exponent = static_cast<int>(digits.size()) - 1;
  if (digits[6] >= '5') ++mantissa;
  if (mantissa == 1000000) {
    mantissa = 100000;
    ++exponent;
  }
  std::string m = std::to_string(mantissa);
  while (m.size() > 1 && m.back() == '0') m.pop_back();
  std::string out(1, m[0]);
  if (m.size() > 1) absl::StrAppend(&out, ".", m.substr(1));
  absl::StrAppend(&out, "E+", exponent);
  return out;
}

// Inserts spaces into an ID number the way people type them: by structure (region, birth date,
// rest), in blocks of four, or a stray trailing space.
std::string SpaceOut(std::string_view id, size_t variant) {
  std::string out;
  out.reserve(id.size() + 6);
  if (variant == 0 && (id.size() == 18 || id.size() == 15)) {
    const size_t date_length = id.size() == 18 ? 8 : 6;
    out = Cat({id.substr(0, 6), " ", id.substr(6, date_length), " ", id.substr(6 + date_length)});
  } else if (variant == 1) {
    for (size_t i = 0; i < id.size(); i += 4) {
      if (i > 0) out.push_back(' ');
      out.append(id.substr(i, 4));
    }
  } else {
    out = Cat({id, " "});
  }
  return out;
}

// A mobile number as agencies print it: "+86 139-0000-0457", "139 0000 0457",
// "0086-13900000457", "139-0000-0457", "+8613900000457".
std::string FormatPhone(std::string_view phone, size_t variant) {
  if (phone.size() == 11 && AllDigits(phone)) {
    const std::string_view a = phone.substr(0, 3);
    const std::string_view b = phone.substr(3, 4);
    const std::string_view c = phone.substr(7);
    switch (variant) {
      case 0:
        return Cat({"+86 ", a, "-", b, "-", c});
      case 1:
        return Cat({a, " ", b, " ", c});
      case 2:
        return Cat({"0086-", phone});
      case 3:
        return Cat({a, "-", b, "-", c});
      default:
        return Cat({"+86", phone});
    }
  }
  return variant % 2 == 0 ? Cat({"+86 ", phone}) : Cat({"0086-", phone});
}
constexpr size_t kPhoneVariants = 5;

// Drops the leading province ("…省") and prefecture city ("…市") of an address, or failing
// those the county ("…县" / "…区"). Returns "" when nothing can be dropped.
std::string AbbreviateAddress(std::string_view address) {
  constexpr size_t kCjkBytes = 3;
  size_t start = 0;
  auto drop_through = [&](std::string_view suffix, size_t max_chars) {
    const size_t at = address.find(suffix, start);
    if (at != std::string_view::npos && at > start && at - start <= max_chars * kCjkBytes) {
      start = at + suffix.size();
      return true;
    }
    return false;
  };
  drop_through("省", 4);
  drop_through("市", 5);
  if (start == 0 && !drop_through("县", 5)) drop_through("区", 5);
  if (start == 0 || start >= address.size()) return "";
  return std::string(address.substr(start));
}

// A name character picked uniformly among those `has` accepts; -1 when there is none.
template <typename Has>
int PickCharacter(const std::vector<std::string>& chars, Has has, size_t draw) {
  size_t count = 0;
  for (const std::string& ch : chars) count += has(ch) ? 1 : 0;
  if (count == 0) return -1;
  size_t pick = draw % count;
  for (size_t i = 0; i < chars.size(); ++i) {
    if (has(chars[i]) && pick-- == 0) return static_cast<int>(i);
  }
  return -1;
}

}  // namespace

const char* NoiseKindCode(NoiseKind kind) {
  const int i = static_cast<int>(kind);
  return i >= 0 && i < kNoiseKindCount ? kKindCodes[i] : "unknown";
}

absl::StatusOr<NoiseKind> ParseNoiseKind(std::string_view code) {
  for (int i = 0; i < kNoiseKindCount; ++i) {
    if (code == kKindCodes[i]) return static_cast<NoiseKind>(i);
  }
  return absl::InvalidArgumentError(absl::StrCat("unknown noise kind \"", Av(code), "\""));
}

absl::StatusOr<NoiseLevel> ParseNoiseLevel(std::string_view text) {
  for (int i = 0; i < 4; ++i) {
    if (text == kLevelNames[i]) return static_cast<NoiseLevel>(i);
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown noise level \"", Av(text), "\" (off, low, default, high)"));
}

const char* NoiseLevelName(NoiseLevel level) {
  const int i = static_cast<int>(level);
  return i >= 0 && i < 4 ? kLevelNames[i] : "unknown";
}

double NoiseConfig::BaseRate(NoiseKind kind) { return kBaseRates[static_cast<int>(kind)]; }

double NoiseConfig::LevelRate(NoiseKind kind, NoiseLevel level) {
  return std::min(1.0, BaseRate(kind) * kLevelFactors[static_cast<int>(level)]);
}

NoiseConfig NoiseConfig::ForLevel(NoiseLevel level) {
  NoiseConfig config;
  for (int i = 0; i < kNoiseKindCount; ++i) {
    const auto kind = static_cast<NoiseKind>(i);
    config.set_rate(kind, LevelRate(kind, level));
  }
  return config;
}

absl::StatusOr<NoiseConfig> NoiseConfig::Parse(std::string_view spec_text) {
  const absl::string_view spec = Av(spec_text);
  const std::vector<absl::string_view> items = absl::StrSplit(spec, ',');
  NoiseConfig config = ForLevel(NoiseLevel::kDefault);
  for (size_t i = 0; i < items.size(); ++i) {
    const absl::string_view item = absl::StripAsciiWhitespace(items[i]);
    if (item.empty()) {
      return absl::InvalidArgumentError(absl::StrCat("empty item in noise spec \"", spec, "\""));
    }
    const size_t eq = item.find('=');
    if (eq == absl::string_view::npos) {
      if (i != 0) {
        return absl::InvalidArgumentError(
            absl::StrCat("noise level \"", item, "\" must come first; overrides are kind=level"));
      }
      const absl::StatusOr<NoiseLevel> level = ParseNoiseLevel({item.data(), item.size()});
      if (!level.ok()) return level.status();
      config = ForLevel(*level);
      continue;
    }
    const absl::string_view key = absl::StripAsciiWhitespace(item.substr(0, eq));
    const absl::string_view value = absl::StripAsciiWhitespace(item.substr(eq + 1));
    const absl::StatusOr<NoiseKind> kind = ParseNoiseKind({key.data(), key.size()});
    if (!kind.ok()) return kind.status();
    if (const absl::StatusOr<NoiseLevel> level = ParseNoiseLevel({value.data(), value.size()});
        level.ok()) {
      config.set_rate(*kind, LevelRate(*kind, *level));
      continue;
    }
    double rate = 0;
    if (!absl::SimpleAtod(value, &rate) || !(rate >= 0.0 && rate <= 1.0)) {
      return absl::InvalidArgumentError(absl::StrCat("bad value \"", value, "\" for noise kind ",
                                                     key, ": off, low, default, high or 0..1"));
    }
    config.set_rate(*kind, rate);
  }
  return config;
}

std::string NoiseConfig::ToString() const {
  std::string out;
  for (int i = 0; i < kNoiseKindCount; ++i) {
    absl::StrAppend(&out, i == 0 ? "" : ",", kKindCodes[i], "=", rates_[i]);
  }
  return out;
}

double NoiseApplier::Uniform() { return static_cast<double>(rng_() >> 11) * 0x1.0p-53; }

size_t NoiseApplier::Below(size_t n) { return static_cast<size_t>(rng_() % n); }

bool NoiseApplier::Draw(NoiseKind kind) {
  const double rate = config_.rate(kind);
  if (rate <= 0.0) return false;
  if (rate >= 1.0) return true;
  return Uniform() < rate;
}

bool NoiseApplier::WantDuplicate() { return Draw(NoiseKind::kDuplicateRecord); }

bool NoiseApplier::WantUpdate() { return Draw(NoiseKind::kRecordUpdate); }

void NoiseApplier::ApplyName(std::string* name, std::vector<std::string>* noise) {
  const bool homophone = Draw(NoiseKind::kNameHomophone);
  const bool lookalike = Draw(NoiseKind::kNameLookalike);
  const bool traditional = Draw(NoiseKind::kNameTraditional);
  const bool spacing = Draw(NoiseKind::kNameSpacing);
  if (!homophone && !lookalike && !traditional && !spacing) return;

  std::vector<std::string> chars = Utf8Chars(*name);
  if (homophone) {
    if (const int i = PickCharacter(chars, HasHomophone, rng_()); i >= 0) {
      chars[i] = HomophoneOf(chars[i], rng_);
      noise->push_back(NoiseKindCode(NoiseKind::kNameHomophone));
    }
  }
  if (lookalike) {
    if (const int i = PickCharacter(chars, HasLookalike, rng_()); i >= 0) {
      chars[i] = LookalikeOf(chars[i], rng_);
      noise->push_back(NoiseKindCode(NoiseKind::kNameLookalike));
    }
  }
  if (traditional) {
    if (const int i = PickCharacter(chars, HasTraditional, rng_()); i >= 0) {
      chars[i] = TraditionalOf(chars[i]);
      noise->push_back(NoiseKindCode(NoiseKind::kNameTraditional));
    }
  }
  std::string out;
  out.reserve(name->size() + 3);
  // Between two characters, never at an end (where any reader would trim it).
  const size_t gap = spacing && chars.size() >= 2 ? 1 + Below(chars.size() - 1) : 0;
  for (size_t i = 0; i < chars.size(); ++i) {
    if (i == gap && gap > 0) {
      out.append(kNameSeparators[Below(std::size(kNameSeparators))]);
      noise->push_back(NoiseKindCode(NoiseKind::kNameSpacing));
    }
    out.append(chars[i]);
  }
  *name = std::move(out);
}

const char* NoiseApplier::ApplyIdNumber(std::string* id, bool* can_widen,
                                        std::vector<std::string>* noise) {
  // Valid until *id is assigned; every branch builds its result first.
  const std::string_view clean = *id;
  // Checked only when a damage is picked: most records get none.
  auto well_formed = [&] { return clean.size() == 18 && AllDigits(clean.substr(0, 17)); };
  const char* status = nullptr;  // set by a damage; formatting decides otherwise

  // The damages exclude each other: one draw over back-to-back intervals keeps each kind's rate
  // exact. A kind that cannot apply to this number leaves its interval empty-handed.
  constexpr NoiseKind kExclusive[] = {NoiseKind::kIdMissing, NoiseKind::kIdLegacy15,
                                      NoiseKind::kIdWrongCheck, NoiseKind::kIdSpreadsheet};
  double total = 0;
  for (NoiseKind kind : kExclusive) total += config_.rate(kind);
  if (total > 0) {
    const double u = Uniform() * std::max(1.0, total);
    double edge = 0;
    NoiseKind picked = NoiseKind::kCount;
    for (NoiseKind kind : kExclusive) {
      edge += config_.rate(kind);
      if (u < edge) {
        picked = kind;
        break;
      }
    }
    switch (picked) {
      case NoiseKind::kIdMissing:
        id->clear();
        noise->push_back(NoiseKindCode(picked));
        *can_widen = false;
        return "missing";
      case NoiseKind::kIdLegacy15:
        if (well_formed() && clean[6] == '1' && clean[7] == '9') {
          *id = Cat({clean.substr(0, 6), clean.substr(8, 9)});
          noise->push_back(NoiseKindCode(picked));
          status = "legacy15";
        }
        break;
      case NoiseKind::kIdWrongCheck:
        if (well_formed()) {
          // One mistyped digit always breaks the check (the weights are non-zero mod 11). Only a
          // plain bad check is kept: the birth date must stay a real date and not move later
          // (a typo into the future, 1990 -> 2990, is a birth date ingest must reject, not a bad
          // check), zeros at the end would read as spreadsheet damage, and a province typo is
          // confirmed by the parser (rare: the parser is too slow to run on every number).
          std::string damaged;
          bool done = false;
          for (int attempt = 0; attempt < 16 && !done; ++attempt) {
            const size_t at = Below(17);
            damaged.assign(clean);
            char digit = static_cast<char>('0' + Below(9));
            if (digit >= clean[at]) ++digit;
            damaged[at] = digit;
            done = common::IdCheckCharacter(damaged) != damaged[17] &&
                   damaged.compare(15, 3, "000") != 0 &&
                   IsRealDate(std::string_view(damaged).substr(6, 8)) &&
                   damaged.compare(6, 8, clean, 6, 8) <= 0 &&
                   (at >= 2 ||
                    common::ParseIdNumber(damaged).problem == IdNumberProblem::kBadCheckDigit);
          }
          if (!done) {
            damaged.assign(clean);  // the sequence digit, never to '0': only the check can fail
            damaged[16] = clean[16] == '9' ? '1' : static_cast<char>(clean[16] + 1);
          }
          *id = std::move(damaged);
          noise->push_back(NoiseKindCode(picked));
          status = "bad_check";
        }
        break;
      case NoiseKind::kIdSpreadsheet:
        // A number ending in X is text to a spreadsheet and survives.
        if (well_formed() && IsDigit(clean[17])) {
          std::string zeros = Cat({clean.substr(0, 15), "000"});
          // The parser flags zeros only when they break the check (a valid number may end in
          // "000"); otherwise the other form.
          if (Below(2) == 0 && common::IdCheckCharacter(zeros) != '0') {
            *id = std::move(zeros);
          } else {
            *id = ScientificNotation(clean);
          }
          noise->push_back(NoiseKindCode(picked));
          *can_widen = false;
          return "spreadsheet";
        }
        break;
      default:
        break;
    }
  }

  bool formatted = false;
  if (!id->empty() && id->back() == 'X' && Draw(NoiseKind::kIdLowercaseX)) {
    id->back() = 'x';
    noise->push_back(NoiseKindCode(NoiseKind::kIdLowercaseX));
    formatted = true;
  }
  if (Draw(NoiseKind::kIdSpaces)) {
    *id = SpaceOut(*id, Below(3));
    noise->push_back(NoiseKindCode(NoiseKind::kIdSpaces));
    formatted = true;
  }
  *can_widen = true;
  if (status != nullptr) return status;
  return formatted ? "repairable" : "ok";
}

void NoiseApplier::Apply(const Person& person, AgencyRecord* record) {
  lifeline::records::v1::PersonIdentity* p = record->record.mutable_person();
  std::vector<std::string>* noise = &record->noise;

  if (!p->name().empty()) ApplyName(p->mutable_name(), noise);

  bool id_can_widen = false;
  if (p->id_number().empty()) {
    record->id_status = "none";
  } else {
    record->id_status = ApplyIdNumber(p->mutable_id_number(), &id_can_widen, noise);
    // A blank number in a column the agency does not label: ingest warns instead of rejecting a
    // resident-ID record without its number.
    if (p->id_number().empty()) p->clear_id_type();
  }

  if (!p->birth_date().empty() && Draw(NoiseKind::kBirthTransposed)) {
    std::string& date = *p->mutable_birth_date();
    size_t digits[16];
    size_t count = 0;
    for (size_t i = 0; i < date.size() && count < std::size(digits); ++i) {
      if (IsDigit(date[i])) digits[count++] = i;
    }
    size_t pairs = 0;
    for (size_t k = 0; k + 1 < count; ++k) pairs += date[digits[k]] != date[digits[k + 1]];
    if (pairs > 0) {
      size_t pick = Below(pairs);
      for (size_t k = 0; k + 1 < count; ++k) {
        if (date[digits[k]] != date[digits[k + 1]] && pick-- == 0) {
          std::swap(date[digits[k]], date[digits[k + 1]]);
          break;
        }
      }
      noise->push_back(NoiseKindCode(NoiseKind::kBirthTransposed));
    }
  }

  if (!p->phone().empty() && Draw(NoiseKind::kPhoneFormat)) {
    *p->mutable_phone() = FormatPhone(p->phone(), Below(kPhoneVariants));
    noise->push_back(NoiseKindCode(NoiseKind::kPhoneFormat));
  }

  if ((id_can_widen || !p->phone().empty()) && Draw(NoiseKind::kFullWidth)) {
    if (id_can_widen) {
      *p->mutable_id_number() = ToFullWidth(p->id_number());
      if (record->id_status == "ok") record->id_status = "repairable";
    }
    if (!p->phone().empty()) *p->mutable_phone() = ToFullWidth(p->phone());
    noise->push_back(NoiseKindCode(NoiseKind::kFullWidth));
  }

  if (!p->address().empty() && Draw(NoiseKind::kAddressStale)) {
    std::string stale;
    if (!person.old_address.empty() && person.old_address != p->address()) {
      stale = person.old_address;
    } else {
      stale = AbbreviateAddress(p->address());
    }
    if (!stale.empty() && stale != p->address()) {
      *p->mutable_address() = std::move(stale);
      noise->push_back(NoiseKindCode(NoiseKind::kAddressStale));
    }
  }
}

}  // namespace lifeline::datagen
