// CantoneseKey (declared in han_chars.h): the folding rules are listed there; this file applies
// them in order, initial first, then the final.
#include <string>
#include <string_view>

#include "match-service/domain/linkage/han_chars.h"

namespace lifeline::match::linkage {
namespace {

struct Initial {
  std::string_view spelling;
  std::string_view key;
};

// Longest spellings first; a syllable that starts with none of these has no initial.
constexpr Initial kInitials[] = {
    {"ng", ""}, {"gw", "kw"}, {"kw", "kw"}, {"ch", "c"}, {"ts", "c"}, {"tz", "c"}, {"sh", "s"},
    {"b", "p"}, {"p", "p"},   {"d", "t"},   {"t", "t"},  {"g", "k"},  {"k", "k"},  {"z", "c"},
    {"c", "c"}, {"j", "y"},   {"y", "y"},   {"v", "w"},  {"w", "w"},  {"m", "m"},  {"n", "n"},
    {"l", "l"}, {"f", "f"},   {"h", "h"},   {"s", "s"},
};

// Finals spelled differently in the two systems: Jyutping's rounded vowels (prefixes), then whole
// finals after the prefix rules of FoldFinal.
struct FinalSpelling {
  std::string_view spelling;
  std::string_view key;
};
constexpr FinalSpelling kFinalPrefixes[] = {
    {"oeng", "eung"}, {"eong", "eung"}, {"oek", "euk"}, {"eok", "euk"},
    {"eoi", "ui"},    {"eon", "un"},    {"eot", "ut"},
};
constexpr FinalSpelling kFinals[] = {
    {"ei", "i"},  {"ee", "i"},  {"ou", "o"}, {"aw", "o"},  {"oh", "o"},
    {"ow", "au"}, {"ao", "au"}, {"ue", "u"}, {"um", "am"}, {"io", "iu"},
};

bool ReplacePrefix(std::string* s, std::string_view from, std::string_view to) {
  if (s->compare(0, from.size(), from) != 0) return false;
  s->replace(0, from.size(), to);
  return true;
}

// Splits the initial off `letters`, leaving the final in *final; returns the initial's key.
std::string_view SplitInitial(std::string_view letters, std::string* final) {
  // A leading i is Macau's spelling of Jyutping j (Ieong, Iao, Ip; before a, e and o it is only
  // the initial); "io" is Jyutping jiu.
  if (letters.front() == 'i') {
    if (letters == "io") {
      *final = "iu";
    } else {
      char next = letters.size() > 1 ? letters[1] : '\0';
      bool only_initial = next == 'a' || next == 'e' || next == 'o';
      *final = std::string(only_initial ? letters.substr(1) : letters);
    }
    return "y";
  }
  for (const Initial& initial : kInitials) {
    if (letters.substr(0, initial.spelling.size()) != initial.spelling) continue;
    *final = std::string(letters.substr(initial.spelling.size()));
    if (initial.spelling == "ng" && final->empty()) return "ng";  // syllabic ng: 吳 Ng
    // Macau writes Jyutping gw/kw as ku before a and o (Kuok, Kuan).
    if (initial.key == "k" && final->size() > 1 && (*final)[0] == 'u' &&
        ((*final)[1] == 'a' || (*final)[1] == 'o')) {
      final->erase(0, 1);
      return "kw";
    }
    return initial.key;
  }
  *final = std::string(letters);
  return "";
}

void FoldFinal(std::string_view initial, std::string* f) {
  if (!f->empty() && f->back() == 'c') f->back() = 'k';  // Macau Mac, Kuok, Loc
  if (*f == "yun" || *f == "yut") {
    f->replace(0, 2, "ue");
  } else {
    ReplacePrefix(f, "yu", "u");
  }
  for (const FinalSpelling& prefix : kFinalPrefixes) {
    if (ReplacePrefix(f, prefix.spelling, prefix.key)) break;
  }
  for (size_t at = f->find("oo"); at != std::string::npos; at = f->find("oo")) {
    f->replace(at, 2, "u");
  }
  ReplacePrefix(f, "aa", "a");
  if ((*f == "z" || *f == "ze") && (initial == "c" || initial == "s")) {
    *f = "i";  // Tsz, Sze
    return;
  }
  for (const FinalSpelling& spelling : kFinals) {
    if (*f == spelling.spelling) {
      *f = std::string(spelling.key);
      return;
    }
  }
}

}  // namespace

std::string CantoneseKey(std::string_view syllable) {
  std::string letters;
  for (char c : syllable) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c >= 'a' && c <= 'z') letters += c;
  }
  if (letters.empty()) return "";
  std::string final;
  std::string key(SplitInitial(letters, &final));
  FoldFinal(key, &final);
  return key + final;
}

}  // namespace lifeline::match::linkage
