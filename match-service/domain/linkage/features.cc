#include "match-service/domain/linkage/features.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

#include "match-service/domain/linkage/han_chars.h"

namespace lifeline::match::linkage {
namespace {

uint64_t Mix(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

// Decodes UTF-8 (ingest sends valid UTF-8; a stray byte becomes U+FFFD).
std::u32string DecodeUtf8(std::string_view text) {
  std::u32string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    int extra = 0;
    char32_t cp = 0;
    if (c < 0x80) {
      cp = c;
    } else if ((c & 0xE0) == 0xC0) {
      cp = c & 0x1F, extra = 1;
    } else if ((c & 0xF0) == 0xE0) {
      cp = c & 0x0F, extra = 2;
    } else if ((c & 0xF8) == 0xF0) {
      cp = c & 0x07, extra = 3;
    } else {
      out.push_back(0xFFFD);
      ++i;
      continue;
    }
    bool ok = true;
    for (int k = 1; k <= extra; ++k) {
      if (i + k >= text.size() || (static_cast<unsigned char>(text[i + k]) & 0xC0) != 0x80) {
        ok = false;
        break;
      }
      cp = (cp << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3F);
    }
    if (!ok) {
      out.push_back(0xFFFD);
      ++i;
      continue;
    }
    out.push_back(cp);
    i += extra + 1;
  }
  return out;
}

bool IsHan(char32_t c) {
  return (c >= 0x3400 && c <= 0x9FFF) || (c >= 0xF900 && c <= 0xFAFF) ||
         (c >= 0x20000 && c <= 0x3FFFF);
}

int32_t ParseDate(std::string_view date) {
  // "YYYY-MM-DD"
  if (date.size() != 10 || date[4] != '-' || date[7] != '-') return 0;
  int32_t value = 0;
  for (char c : date) {
    if (c == '-') continue;
    if (c < '0' || c > '9') return 0;
    value = value * 10 + (c - '0');
  }
  return value;
}

int32_t ParseRegion(std::string_view code) {
  if (code.size() != 6) return 0;
  int32_t value = 0;
  for (char c : code) {
    if (c < '0' || c > '9') return 0;
    value = value * 10 + (c - '0');
  }
  return value;
}

// PersonFeatures::dwelling of a decoded address (DwellingOf).
uint64_t Dwelling(const std::u32string& address) {
  std::u32string kept;
  kept.reserve(address.size());
  for (char32_t c : address) {
    if (c >= 0xFF01 && c <= 0xFF5E) c -= 0xFEE0;  // full-width ASCII
    if (c == ' ' || c == 0x3000 || c == ',' || c == 0x3001 || c == '-' || c == '(' || c == ')') {
      continue;
    }
    kept.push_back(c);
  }
  // A house number (号) or a room (室) right after a digit ends the address of one dwelling.
  const size_t n = kept.size();
  if (n < 8 || (kept[n - 1] != U'号' && kept[n - 1] != U'室') || kept[n - 2] < '0' ||
      kept[n - 2] > '9') {
    return 0;
  }
  return Hash64(
      std::string_view(reinterpret_cast<const char*>(kept.data()), kept.size() * sizeof(char32_t)));
}

std::vector<uint32_t> AddressGrams(const std::u32string& address) {
  std::u32string kept;
  kept.reserve(address.size());
  for (char32_t c : address) {
    if (c == ' ' || c == 0x3000 || c == ',' || c == 0xFF0C || c == '-') continue;
    kept.push_back(c);
  }
  std::vector<uint32_t> grams;
  if (kept.size() < 2) return grams;
  grams.reserve(kept.size() - 1);
  for (size_t i = 0; i + 1 < kept.size(); ++i) {
    grams.push_back(
        static_cast<uint32_t>(Mix((static_cast<uint64_t>(kept[i]) << 32) | kept[i + 1])));
  }
  std::sort(grams.begin(), grams.end());
  grams.erase(std::unique(grams.begin(), grams.end()), grams.end());
  return grams;
}

}  // namespace

uint64_t DwellingOf(std::string_view address) { return Dwelling(DecodeUtf8(address)); }

uint64_t Hash64(std::string_view text) {
  if (text.empty()) return 0;
  uint64_t h = 0xcbf29ce484222325ULL;
  for (char c : text) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ULL;
  }
  h = Mix(h);
  return h == 0 ? 1 : h;
}

std::string DialectFold(std::string_view s) {
  std::string out(s);
  if (out.size() >= 2 && (out[0] == 'z' || out[0] == 'c' || out[0] == 's') && out[1] == 'h') {
    out.erase(1, 1);
  } else if (!out.empty() && out[0] == 'n' && out != "ng" && out != "n") {
    out[0] = 'l';
  } else if (!out.empty() && out[0] == 'f') {
    out[0] = 'h';
  }
  if (out.size() > 2 && out.compare(out.size() - 2, 2, "ng") == 0) out.pop_back();
  return out;
}

std::vector<LatinToken> LatinTokens(std::string_view name) {
  std::vector<LatinToken> tokens;
  std::string current;
  for (char32_t c : DecodeUtf8(name)) {
    if (c >= 0xFF21 && c <= 0xFF3A) c = c - 0xFF21 + 'A';
    if (c >= 0xFF41 && c <= 0xFF5A) c = c - 0xFF41 + 'a';
    if (c >= 'A' && c <= 'Z') c = c - 'A' + 'a';
    if (c >= 'a' && c <= 'z') {
      current.push_back(static_cast<char>(c));
      continue;
    }
    if (!current.empty()) tokens.push_back(std::move(current));
    current.clear();
  }
  if (!current.empty()) tokens.push_back(std::move(current));
  return tokens;
}

std::string_view PinyinSyllable(const PersonFeatures& f, size_t i) {
  std::string_view rest = f.pinyin;
  for (size_t k = 0; k < i; ++k) {
    const size_t space = rest.find(' ');
    if (space == std::string_view::npos) return {};
    rest.remove_prefix(space + 1);
  }
  return rest.substr(0, rest.find(' '));
}

PersonFeatures ExtractFeatures(const records::v1::NormalizedPerson& person) {
  PersonFeatures f;
  f.name = DecodeUtf8(person.name_normalized());
  f.name_key = Hash64(person.name_normalized());
  const bool all_han = !f.name.empty() && std::all_of(f.name.begin(), f.name.end(),
                                                      [](char32_t c) { return IsHan(c); });
  if (all_han) {
    std::vector<std::string> syllables =
        absl::StrSplit(absl::string_view(person.name_pinyin()), ' ', absl::SkipEmpty());
    if (syllables.size() == f.name.size()) {
      std::string pinyin;
      std::string dialect;
      std::string given;
      for (size_t i = 0; i < syllables.size(); ++i) {
        const std::string folded = DialectFold(syllables[i]);
        f.syllables.push_back(static_cast<uint32_t>(Hash64(syllables[i])));
        f.dialect_syllables.push_back(static_cast<uint32_t>(Hash64(folded)));
        pinyin += syllables[i] + " ";
        dialect += folded + " ";
        if (i > 0) given += syllables[i] + " ";
      }
      f.pinyin_key = Hash64(pinyin);
      f.dialect_key = Hash64(dialect);
      f.surname_key = Hash64(syllables[0]);
      f.given_key = Hash64(given);
      f.surname_sounds.push_back(Hash64(syllables[0]));
      for (std::string_view reading : HanChars::Get().Cantonese(f.name[0])) {
        f.surname_sounds.push_back(Hash64(absl::StrCat("yue:", CantoneseKey(reading))));
      }
      // A surname read otherwise than its character (区 Ou / Au) meets its romanized spellings.
      const HanChars::SurnameReading surname = HanChars::Surname(f.name[0]);
      if (!surname.mandarin.empty()) {
        f.surname_sounds.push_back(Hash64(surname.mandarin));
        f.surname_sounds.push_back(Hash64(absl::StrCat("yue:", CantoneseKey(surname.mandarin))));
      }
      if (!surname.cantonese.empty()) {
        f.surname_sounds.push_back(Hash64(absl::StrCat("yue:", CantoneseKey(surname.cantonese))));
      }
      f.pinyin = absl::StrJoin(syllables, " ");
    }
  } else if (!f.name.empty()) {
    f.latin = LatinTokens(person.name_original());
    if (!f.latin.empty()) {
      std::vector<LatinToken> sorted = f.latin;
      std::sort(sorted.begin(), sorted.end());
      std::string joined;
      for (const LatinToken& t : sorted) joined += t + " ";
      // A Latin name's "pinyin" key is its sorted tokens: the same name in either order meets.
      f.pinyin_key = Hash64(joined);
      f.dialect_key = f.pinyin_key;
      for (const LatinToken& t : f.latin) {
        f.surname_sounds.push_back(Hash64(t));
        f.surname_sounds.push_back(Hash64(absl::StrCat("yue:", CantoneseKey(t))));
      }
    }
  }
  std::sort(f.surname_sounds.begin(), f.surname_sounds.end());
  f.surname_sounds.erase(std::unique(f.surname_sounds.begin(), f.surname_sounds.end()),
                         f.surname_sounds.end());
  f.birth = ParseDate(person.birth_date());
  f.sex = static_cast<uint8_t>(person.sex() == records::v1::SEX_MALE     ? 1
                               : person.sex() == records::v1::SEX_FEMALE ? 2
                                                                         : 0);
  f.region = ParseRegion(person.region_code());
  if (f.region == 0) f.region = ParseRegion(person.id_region_code());
  f.phone = Hash64(person.phone_normalized());
  f.household = Hash64(person.household_id());
  {
    // Decoded once for the bigrams, the dwelling and the head.
    const std::u32string address = DecodeUtf8(person.address());
    f.address_grams = AddressGrams(address);
    f.dwelling = Dwelling(address);
    if (address.size() >= 6) {
      std::string head;
      for (size_t i = 0; i < 6; ++i)
        head += std::to_string(static_cast<uint32_t>(address[i])) + ",";
      f.address_head = Hash64(head);
    }
  }
  f.id = Hash64(person.id_token());
  f.id_core = Hash64(person.id_near().core_token());
  f.id_prefix15 = Hash64(person.id_near().prefix15_token());
  f.id_edit_keys.assign(person.id_near().edit_keys().begin(), person.id_near().edit_keys().end());
  f.id_bloom = person.id_near().bigram_bloom();
  if (!person.document_token().empty()) {
    f.document_type = static_cast<int32_t>(person.document_type());
    f.document = Hash64(person.document_token());
  }
  return f;
}

std::vector<PersonFeatures> ExtractFeatures(
    size_t count, const std::function<const records::v1::NormalizedPerson&(size_t)>& person,
    int threads) {
  constexpr size_t kPersonsPerThread = 64;
  std::vector<PersonFeatures> out(count);
  const size_t workers = std::clamp<size_t>(
      std::min(static_cast<size_t>(std::max(threads, 1)), count / kPersonsPerThread), 1, 8);
  auto work = [&](size_t w) {
    for (size_t i = w; i < count; i += workers) out[i] = ExtractFeatures(person(i));
  };
  std::vector<std::thread> pool;
  for (size_t w = 1; w < workers; ++w) pool.emplace_back(work, w);
  work(0);
  for (std::thread& t : pool) t.join();
  return out;
}

}  // namespace lifeline::match::linkage
