// unihan_gen: a build-time host program, never linked into a service. Reads the Unihan database
// (Debian's unicode-data: Unihan_*.txt.bz2, decompressed through bzcat) and writes the C++ source
// of the character table that HanChars serves (layout: unihan_table.h).
//
//   unihan_gen --bzcat=/usr/bin/bzcat --out=unihan_table.cc Unihan_Readings.txt.bz2 ...
//
// Fields read (the first value where a field has several, except kCantonese):
//   kRSUnicode (radical, residual strokes), kTotalStrokes, kFourCornerCode (its 4 main digits),
//   kCangjie, kMandarin (tone marks folded to ASCII, ü written u as in common/identity's pinyin),
//   kCantonese (every reading, tone digits dropped), kSemanticVariant, kZVariant,
//   kSpecializedSemanticVariant, kTraditionalVariant, kSimplifiedVariant (variant classes),
//   kSpoofingVariant (look-alike pairs) and kTGH (the Table of General Standard Chinese
//   Characters, 2013: which member represents a variant class; see CanonicalPairs).
// A character without its own kCantonese or kMandarin takes those of its traditional variants.
// Exits 1 with a message on stderr on anything it does not understand, so that a new Unihan
// release that changes a format fails the build instead of shipping a wrong table.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace {

[[noreturn]] void Fail(const std::string& message) {
  std::cerr << "unihan_gen: " << message << "\n";
  std::exit(1);
}

std::string Hex(std::uint32_t cp) {
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "U+%04X", cp);
  return buffer;
}

struct Row {
  bool has_rs = false;
  int radical = 0;
  int residual = 0;
  int total_strokes = 0;
  int four_corner = -1;
  std::string cangjie;
  std::string mandarin;
  std::vector<std::string> cantonese;
  std::vector<std::uint32_t> traditional;  // kTraditionalVariant targets other than itself
  bool is_traditional_form = false;        // has a kSimplifiedVariant other than itself
  bool has_variant_link = false;
};

struct Data {
  std::map<std::uint32_t, Row> rows;
  // Traditional, simplified and Z variant links (one character written differently).
  std::vector<std::pair<std::uint32_t, std::uint32_t>> same_character_edges;
  // Semantic and specialized-semantic variant links (characters used for one another).
  std::vector<std::pair<std::uint32_t, std::uint32_t>> semantic_edges;
  std::set<std::uint32_t> standard;  // kTGH: the Table of General Standard Chinese Characters
  std::set<std::pair<std::uint32_t, std::uint32_t>> spoof_pairs;
  std::string unicode_version;
};

std::vector<std::string_view> SplitSpaces(std::string_view s) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && s[i] == ' ') ++i;
    size_t j = i;
    while (j < s.size() && s[j] != ' ') ++j;
    if (j > i) out.push_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

int ParseInt(std::string_view s, const std::string& what) {
  if (s.empty()) Fail("empty number in " + what);
  bool negative = s.front() == '-';
  if (negative) s.remove_prefix(1);
  if (s.empty() || s.size() > 6) Fail("bad number in " + what);
  int value = 0;
  for (char c : s) {
    if (c < '0' || c > '9') Fail("bad number in " + what);
    value = value * 10 + (c - '0');
  }
  return negative ? -value : value;
}

// "U+4E00" (optionally followed by "<source,...") → 0x4E00.
std::uint32_t ParseCodePoint(std::string_view s, const std::string& what) {
  if (size_t lt = s.find('<'); lt != std::string_view::npos) s = s.substr(0, lt);
  if (s.size() < 6 || s.size() > 8 || s.substr(0, 2) != "U+") Fail("bad code point in " + what);
  std::uint32_t value = 0;
  for (char c : s.substr(2)) {
    int digit;
    if (c >= '0' && c <= '9') {
      digit = c - '0';
    } else if (c >= 'A' && c <= 'F') {
      digit = c - 'A' + 10;
    } else {
      Fail("bad code point in " + what);
    }
    value = value * 16 + static_cast<std::uint32_t>(digit);
  }
  return value;
}

// Decodes one UTF-8 sequence at s[*i], advancing *i.
char32_t DecodeUtf8(std::string_view s, size_t* i, const std::string& what) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char lead = byte(*i);
  int length = 1;
  char32_t c = lead;
  if (lead >= 0xF0 && lead < 0xF8) {
    length = 4;
    c = lead & 0x07;
  } else if (lead >= 0xE0) {
    length = 3;
    c = lead & 0x0F;
  } else if (lead >= 0xC0) {
    length = 2;
    c = lead & 0x1F;
  } else if (lead >= 0x80) {
    Fail("bad UTF-8 in " + what);
  }
  if (lead >= 0xF8 || *i + length > s.size()) Fail("bad UTF-8 in " + what);
  for (int k = 1; k < length; ++k) {
    if ((byte(*i + k) & 0xC0) != 0x80) Fail("bad UTF-8 in " + what);
    c = (c << 6) | (byte(*i + k) & 0x3F);
  }
  *i += length;
  return c;
}

// Letters of kMandarin other than a-z, and how they are written in ASCII.
constexpr std::pair<char32_t, char> kPinyinLetters[] = {
    {U'ā', 'a'}, {U'á', 'a'}, {U'ǎ', 'a'}, {U'à', 'a'}, {U'ē', 'e'}, {U'é', 'e'}, {U'ě', 'e'},
    {U'è', 'e'}, {U'ê', 'e'}, {U'ế', 'e'}, {U'ề', 'e'}, {U'ī', 'i'}, {U'í', 'i'}, {U'ǐ', 'i'},
    {U'ì', 'i'}, {U'ō', 'o'}, {U'ó', 'o'}, {U'ǒ', 'o'}, {U'ò', 'o'}, {U'ū', 'u'}, {U'ú', 'u'},
    {U'ǔ', 'u'}, {U'ù', 'u'}, {U'ü', 'u'}, {U'ǖ', 'u'}, {U'ǘ', 'u'}, {U'ǚ', 'u'}, {U'ǜ', 'u'},
    {U'ḿ', 'm'}, {U'ń', 'n'}, {U'ň', 'n'}, {U'ǹ', 'n'},
};

// Folds a pinyin syllable with tone marks ("zhāng", "lǜ", "ế", "m̀") to lower-case ASCII
// ("zhang", "lu", "e", "m"): ü is written u, ê is written e, combining marks are dropped.
std::string FoldPinyin(std::string_view syllable, const std::string& what) {
  std::string out;
  for (size_t i = 0; i < syllable.size();) {
    char32_t c = DecodeUtf8(syllable, &i, what);
    if (c >= 'a' && c <= 'z') {
      out += static_cast<char>(c);
      continue;
    }
    if (c >= 0x300 && c <= 0x36F) continue;  // combining tone mark
    auto it = std::find_if(std::begin(kPinyinLetters), std::end(kPinyinLetters),
                           [c](const auto& letter) { return letter.first == c; });
    if (it == std::end(kPinyinLetters)) {
      Fail("unknown letter " + Hex(static_cast<std::uint32_t>(c)) + " in " + what);
    }
    out += it->second;
  }
  if (out.empty()) Fail("empty reading in " + what);
  return out;
}

// "jau1" → "jau"; checks that what is left is a lower-case Jyutping syllable.
std::string StripToneDigit(std::string_view reading, const std::string& what) {
  while (!reading.empty() && reading.back() >= '1' && reading.back() <= '6') {
    reading.remove_suffix(1);
  }
  if (reading.empty()) Fail("empty reading in " + what);
  for (char c : reading) {
    if (c < 'a' || c > 'z') Fail("bad Jyutping in " + what);
  }
  return std::string(reading);
}

std::uint32_t PackCangjie(std::string_view code, const std::string& what) {
  if (code.empty() || code.size() > 5) Fail("bad Cangjie code in " + what);
  std::uint32_t packed = 0;
  for (char c : code) {
    if (c < 'A' || c > 'Z') Fail("bad Cangjie code in " + what);
    packed = packed * 27 + static_cast<std::uint32_t>(c - 'A' + 1);
  }
  return packed;
}

void AddVariantLinks(Data* data, std::uint32_t cp, std::string_view field, std::string_view value,
                     const std::string& what) {
  Row& row = data->rows[cp];
  for (std::string_view token : SplitSpaces(value)) {
    std::uint32_t target = ParseCodePoint(token, what);
    if (field == "kSpoofingVariant") {
      if (target != cp) {
        data->spoof_pairs.insert({cp, target});
        data->spoof_pairs.insert({target, cp});
        row.has_variant_link = true;
      }
      continue;
    }
    row.has_variant_link = true;
    if (target == cp) continue;
    bool semantic = field == "kSemanticVariant" || field == "kSpecializedSemanticVariant";
    (semantic ? data->semantic_edges : data->same_character_edges).push_back({cp, target});
    if (field == "kTraditionalVariant") row.traditional.push_back(target);
    if (field == "kSimplifiedVariant") row.is_traditional_form = true;
  }
}

void ParseField(Data* data, std::uint32_t cp, std::string_view field, std::string_view value,
                const std::string& what) {
  std::vector<std::string_view> values = SplitSpaces(value);
  if (values.empty()) Fail("empty value in " + what);
  if (field == "kRSUnicode") {
    Row& row = data->rows[cp];
    std::string_view first = values[0];
    size_t dot = first.find('.');
    if (dot == std::string_view::npos) Fail("bad kRSUnicode in " + what);
    std::string_view radical = first.substr(0, dot);
    while (!radical.empty() && radical.back() == '\'') radical.remove_suffix(1);
    row.has_rs = true;
    row.radical = ParseInt(radical, what);
    row.residual = ParseInt(first.substr(dot + 1), what);
    if (row.radical < 1 || row.radical > 214 || row.residual < -20 || row.residual > 100) {
      Fail("kRSUnicode out of range in " + what);
    }
  } else if (field == "kTotalStrokes") {
    int strokes = ParseInt(values[0], what);
    if (strokes < 1 || strokes > 255) Fail("kTotalStrokes out of range in " + what);
    data->rows[cp].total_strokes = strokes;
  } else if (field == "kFourCornerCode") {
    if (values[0].size() < 4) Fail("bad kFourCornerCode in " + what);
    data->rows[cp].four_corner = ParseInt(values[0].substr(0, 4), what);
  } else if (field == "kCangjie") {
    PackCangjie(values[0], what);
    data->rows[cp].cangjie = std::string(values[0]);
  } else if (field == "kMandarin") {
    data->rows[cp].mandarin = FoldPinyin(values[0], what);
  } else if (field == "kCantonese") {
    std::vector<std::string>& readings = data->rows[cp].cantonese;
    for (std::string_view v : values) {
      std::string syllable = StripToneDigit(v, what);
      if (std::find(readings.begin(), readings.end(), syllable) == readings.end()) {
        readings.push_back(syllable);
      }
    }
  } else if (field == "kSemanticVariant" || field == "kZVariant" ||
             field == "kSpecializedSemanticVariant" || field == "kTraditionalVariant" ||
             field == "kSimplifiedVariant" || field == "kSpoofingVariant") {
    AddVariantLinks(data, cp, field, value, what);
  } else if (field == "kTGH") {
    data->standard.insert(cp);
  }
}

// Reads one Unihan file through bzcat.
void ReadFile(Data* data, const std::string& bzcat, const std::string& path) {
  if (path.find('\'') != std::string::npos || bzcat.find('\'') != std::string::npos) {
    Fail("paths must not contain a single quote: " + path);
  }
  std::string command = "'" + bzcat + "' '" + path + "'";
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) Fail("cannot run " + command);
  char* buffer = nullptr;
  size_t capacity = 0;
  ssize_t length;
  int line_number = 0;
  while ((length = getline(&buffer, &capacity, pipe)) >= 0) {
    ++line_number;
    std::string_view line(buffer, static_cast<size_t>(length));
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
    constexpr std::string_view kVersion = "# Unicode version: ";
    if (line.substr(0, kVersion.size()) == kVersion) {
      data->unicode_version = std::string(line.substr(kVersion.size()));
    }
    if (line.empty() || line[0] == '#') continue;
    std::string what = path + ":" + std::to_string(line_number);
    size_t tab1 = line.find('\t');
    size_t tab2 = tab1 == std::string_view::npos ? tab1 : line.find('\t', tab1 + 1);
    if (tab2 == std::string_view::npos) Fail("expected 3 tab-separated fields in " + what);
    std::uint32_t cp = ParseCodePoint(line.substr(0, tab1), what);
    ParseField(data, cp, line.substr(tab1 + 1, tab2 - tab1 - 1), line.substr(tab2 + 1), what);
  }
  free(buffer);
  int status = pclose(pipe);
  if (status != 0) Fail(command + " failed (status " + std::to_string(status) + ")");
  if (line_number == 0) Fail(path + " is empty");
}

// Fills readings a character lacks from its traditional variants (kCantonese is keyed on both
// forms, but not always on the simplified one).
void BorrowReadingsFromTraditional(Data* data) {
  for (auto& [cp, row] : data->rows) {
    for (std::uint32_t t : row.traditional) {
      auto it = data->rows.find(t);
      if (it == data->rows.end()) continue;
      if (row.mandarin.empty()) row.mandarin = it->second.mandarin;
      if (row.cantonese.empty()) row.cantonese = it->second.cantonese;
    }
  }
}

// Union-find over code points in which no class holds two General Standard characters.
class VariantClasses {
 public:
  explicit VariantClasses(const std::set<std::uint32_t>* standard) : standard_(standard) {}

  std::uint32_t Find(std::uint32_t x) {
    auto it = parent_.find(x);
    while (it != parent_.end() && it->second != x) {
      x = it->second;
      it = parent_.find(x);
    }
    return x;
  }

  // Joins the classes of a and b unless both already hold a standard character.
  void Link(std::uint32_t a, std::uint32_t b) {
    std::uint32_t ra = Find(a);
    std::uint32_t rb = Find(b);
    if (ra == rb) return;
    bool standard_a = HasStandard(ra);
    bool standard_b = HasStandard(rb);
    if (standard_a && standard_b) {
      ++refused_;
      return;
    }
    std::uint32_t low = std::min(ra, rb);
    parent_[low] = low;
    parent_[std::max(ra, rb)] = low;
    has_standard_[low] = standard_a || standard_b;
  }

  // Returns every linked code point by class root.
  std::map<std::uint32_t, std::vector<std::uint32_t>> Classes() {
    std::map<std::uint32_t, std::vector<std::uint32_t>> classes;
    for (const auto& entry : parent_) classes[Find(entry.first)].push_back(entry.first);
    return classes;
  }

  int refused() const { return refused_; }

 private:
  bool HasStandard(std::uint32_t root) const {
    auto it = has_standard_.find(root);
    return it != has_standard_.end() ? it->second : standard_->count(root) > 0;
  }

  const std::set<std::uint32_t>* standard_;
  std::map<std::uint32_t, std::uint32_t> parent_;
  std::map<std::uint32_t, bool> has_standard_;
  int refused_ = 0;
};

// Returns (member, representative) for every member of a variant class that is not its own
// representative. Links are followed in a fixed order (traditional, simplified and Z variants,
// then semantic and specialized-semantic ones, each by code point) unless they would put two
// characters of the Table of General Standard Chinese Characters (kTGH) into one class: those
// are different characters in today's use (陈/阵, 于/於, 余/予, 你/奶), which the looser
// semantic links would otherwise chain together. The representative is the standard member,
// else a simplified form, else a member that is neither simplified nor traditional, then the
// smallest code point.
std::vector<std::pair<std::uint32_t, std::uint32_t>> CanonicalPairs(const Data& data) {
  VariantClasses classes(&data.standard);
  std::vector<std::pair<std::uint32_t, std::uint32_t>> same_character = data.same_character_edges;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> semantic = data.semantic_edges;
  std::sort(same_character.begin(), same_character.end());
  std::sort(semantic.begin(), semantic.end());
  for (auto [a, b] : same_character) classes.Link(a, b);
  for (auto [a, b] : semantic) classes.Link(a, b);
  auto rank = [&](std::uint32_t cp) {
    if (data.standard.count(cp) > 0) return 0;
    auto it = data.rows.find(cp);
    if (it == data.rows.end()) return 2;
    const Row& row = it->second;
    if (row.is_traditional_form) return 3;
    return row.traditional.empty() ? 2 : 1;
  };
  std::vector<std::pair<std::uint32_t, std::uint32_t>> pairs;
  size_t largest = 0;
  size_t count = 0;
  for (const auto& [root, members] : classes.Classes()) {
    if (members.size() < 2) continue;
    ++count;
    largest = std::max(largest, members.size());
    std::uint32_t best = *std::min_element(members.begin(), members.end(), [&](auto x, auto y) {
      return std::make_pair(rank(x), x) < std::make_pair(rank(y), y);
    });
    for (std::uint32_t m : members) {
      if (m != best) pairs.push_back({m, best});
    }
  }
  std::sort(pairs.begin(), pairs.end());
  std::cout << "unihan_gen: " << count << " variant classes (largest " << largest << " members), "
            << classes.refused() << " links refused between standard characters\n";
  return pairs;
}

template <typename T>
void WriteArray(std::ostream& out, std::string_view type, std::string_view name,
                const std::vector<T>& values) {
  out << "constexpr " << type << " " << name << "[] = {";
  for (size_t i = 0; i < values.size(); ++i) {
    out << (i % 24 == 0 ? "\n" : " ") << static_cast<long long>(values[i]) << ",";
  }
  out << "\n};\n";
}

struct Columns {
  std::vector<std::uint32_t> code_points, cangjie, cantonese_begin, syllable_offsets;
  std::vector<std::uint8_t> radical, total_strokes;
  std::vector<std::int8_t> residual;
  std::vector<std::uint16_t> four_corner, mandarin, cantonese_ids;
  std::string syllable_chars;
  size_t with_mandarin = 0, with_cantonese = 0;
};

Columns BuildColumns(const Data& data) {
  std::map<std::string, std::uint16_t> syllable_ids = {{"", 0}};
  for (const auto& [cp, row] : data.rows) {
    syllable_ids.emplace(row.mandarin, 0);
    for (const std::string& s : row.cantonese) syllable_ids.emplace(s, 0);
  }
  if (syllable_ids.size() > 0xFFFF) Fail("too many distinct syllables");
  Columns c;
  std::uint16_t next = 0;
  for (auto& [syllable, id] : syllable_ids) {
    id = next++;
    c.syllable_offsets.push_back(static_cast<std::uint32_t>(c.syllable_chars.size()));
    c.syllable_chars += syllable;
    c.syllable_chars += '\0';
  }
  for (const auto& [cp, row] : data.rows) {
    bool useful = !row.mandarin.empty() || !row.cantonese.empty() || row.four_corner >= 0 ||
                  !row.cangjie.empty() || row.has_variant_link;
    if (!useful) continue;
    if (!row.has_rs || row.total_strokes == 0) {
      Fail(Hex(cp) + " has readings or codes but no kRSUnicode/kTotalStrokes");
    }
    c.code_points.push_back(cp);
    c.radical.push_back(static_cast<std::uint8_t>(row.radical));
    c.residual.push_back(static_cast<std::int8_t>(row.residual));
    c.total_strokes.push_back(static_cast<std::uint8_t>(row.total_strokes));
    c.four_corner.push_back(row.four_corner < 0 ? 0xFFFF
                                                : static_cast<std::uint16_t>(row.four_corner));
    c.cangjie.push_back(row.cangjie.empty() ? 0 : PackCangjie(row.cangjie, "kCangjie"));
    c.mandarin.push_back(syllable_ids.at(row.mandarin));
    c.cantonese_begin.push_back(static_cast<std::uint32_t>(c.cantonese_ids.size()));
    for (const std::string& s : row.cantonese) c.cantonese_ids.push_back(syllable_ids.at(s));
    c.with_mandarin += row.mandarin.empty() ? 0 : 1;
    c.with_cantonese += row.cantonese.empty() ? 0 : 1;
  }
  c.cantonese_begin.push_back(static_cast<std::uint32_t>(c.cantonese_ids.size()));
  return c;
}

void WriteSource(const Data& data, const Columns& c,
                 const std::vector<std::pair<std::uint32_t, std::uint32_t>>& canonical,
                 const std::string& path) {
  std::string tmp = path + ".tmp";
  std::ofstream out(tmp);
  if (!out) Fail("cannot write " + tmp);
  out << "// Generated by unihan_gen from Unihan " << data.unicode_version
      << " (Debian unicode-data). Do not edit.\n"
      << "// " << c.code_points.size() << " code points, " << c.with_mandarin << " with kMandarin, "
      << c.with_cantonese << " with kCantonese.\n"
      << "#include <cstdint>\n\n#include \"match-service/domain/linkage/unihan_table.h\"\n\n"
      << "namespace lifeline::match::linkage::unihan {\nnamespace {\n\n";
  out << "constexpr char kSyllableChars[] = \"";
  for (char ch : c.syllable_chars) {
    if (ch == '\0') {
      out << "\\0\"\n\"";
    } else {
      out << ch;
    }
  }
  out << "\";\n";
  WriteArray(out, "std::uint32_t", "kSyllableOffsets", c.syllable_offsets);
  WriteArray(out, "std::uint32_t", "kCodePoints", c.code_points);
  WriteArray(out, "std::uint8_t", "kRadical", c.radical);
  WriteArray(out, "std::int8_t", "kResidual", c.residual);
  WriteArray(out, "std::uint8_t", "kTotalStrokes", c.total_strokes);
  WriteArray(out, "std::uint16_t", "kFourCorner", c.four_corner);
  WriteArray(out, "std::uint32_t", "kCangjie", c.cangjie);
  WriteArray(out, "std::uint16_t", "kMandarin", c.mandarin);
  WriteArray(out, "std::uint32_t", "kCantoneseBegin", c.cantonese_begin);
  WriteArray(out, "std::uint16_t", "kCantoneseIds", c.cantonese_ids);
  std::vector<std::uint32_t> from, to, spoof_a, spoof_b;
  for (auto [f, t] : canonical) {
    from.push_back(f);
    to.push_back(t);
  }
  for (auto [a, b] : data.spoof_pairs) {
    spoof_a.push_back(a);
    spoof_b.push_back(b);
  }
  WriteArray(out, "std::uint32_t", "kCanonicalFrom", from);
  WriteArray(out, "std::uint32_t", "kCanonicalTo", to);
  WriteArray(out, "std::uint32_t", "kSpoofA", spoof_a);
  WriteArray(out, "std::uint32_t", "kSpoofB", spoof_b);
  out << "\n}  // namespace\n\nconstinit const Table kTable = {\n"
      << "    kCodePoints, kRadical, kResidual, kTotalStrokes, kFourCorner, kCangjie, kMandarin,\n"
      << "    kCantoneseBegin, kCantoneseIds, kSyllableChars, kSyllableOffsets,\n"
      << "    kCanonicalFrom, kCanonicalTo, kSpoofA, kSpoofB,\n};\n\n"
      << "}  // namespace lifeline::match::linkage::unihan\n";
  out.close();
  if (!out) Fail("cannot write " + tmp);
  if (std::rename(tmp.c_str(), path.c_str()) != 0) Fail("cannot rename " + tmp);
  std::cout << "unihan_gen: " << c.code_points.size() << " code points, " << c.with_mandarin
            << " with Mandarin, " << c.with_cantonese << " with Cantonese, "
            << (c.syllable_offsets.size() - 1) << " syllables, " << canonical.size()
            << " non-canonical variants, " << spoof_a.size() / 2 << " spoofing pairs\n";
}

}  // namespace

int main(int argc, char** argv) {
  std::string bzcat;
  std::string out;
  std::vector<std::string> inputs;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg.substr(0, 8) == "--bzcat=") {
      bzcat = std::string(arg.substr(8));
    } else if (arg.substr(0, 6) == "--out=") {
      out = std::string(arg.substr(6));
    } else {
      inputs.emplace_back(arg);
    }
  }
  if (bzcat.empty() || out.empty() || inputs.empty()) {
    Fail("usage: unihan_gen --bzcat=PATH --out=FILE UNIHAN_FILE.txt.bz2...");
  }
  Data data;
  for (const std::string& input : inputs) ReadFile(&data, bzcat, input);
  if (data.standard.size() < 8000) Fail("expected the 8,105 kTGH characters in the inputs");
  BorrowReadingsFromTraditional(&data);
  Columns columns = BuildColumns(data);
  WriteSource(data, columns, CanonicalPairs(data), out);
  return 0;
}
