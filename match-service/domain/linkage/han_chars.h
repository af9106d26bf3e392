// What identity resolution knows about single Han characters: variant classes, look-alikes and
// readings, compiled in from the Unihan database of Debian's unicode-data package (generated at
// build time by unihan_gen.cc), plus a comparison key for romanized Cantonese syllables.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace lifeline::match::linkage {

// The compiled-in character table. Immutable after construction; thread-safe.
class HanChars {
 public:
  // Returns the table, built on first use (thread-safe).
  static const HanChars& Get();

  HanChars(const HanChars&) = delete;
  HanChars& operator=(const HanChars&) = delete;

  // Returns the representative of c's variant class, c itself when it has no variant. A class
  // joins characters that Unihan links as traditional, simplified or Z variants (one character
  // written differently) or as semantic and specialized-semantic variants (used for one
  // another), except that a class never holds two characters of the Table of General Standard
  // Chinese Characters (Unihan kTGH, 2013): 陈 and 阵, 于 and 於, 余 and 予, 你 and 奶 are
  // different characters today although semantic links chain them together (the plain union of
  // all links put 陈 in 阵's class). The representative is the standard member, else a
  // simplified form, else a member that is neither simplified nor traditional, then the smallest
  // code point: 張 → 张, 餘 → 余, 衆 and 眾 → 众, 臺 and 颱 → 台. Classes have at most 8 members.
  char32_t Canonical(char32_t c) const;

  // Returns true when a != b are easily confused in writing, false for a == b:
  //  1. same variant class (Canonical), or a kSpoofingVariant pair;
  //  2. same four-corner code (its 4 main digits), total strokes within 1, and Cangjie codes
  //     within 2 edits (土/士, 日/曰, 人/入, 未/末, 王/玉, 戊/戌, 己/已);
  //  3. four-corner codes sharing at least 3 of 4 digits, same radical, residual and total
  //     strokes each within 1, and Cangjie codes within 1 edit (己/巳, 天/夭);
  // edits count insertions, deletions, substitutions and swaps of adjacent letters. Without a
  // Cangjie code on either side, 2 asks for the same radical with residual strokes within 1
  // instead and 3 does not apply; without a four-corner code only 1 applies.
  // Why Cangjie: a four-corner code describes only the four corners, so in a left-right
  // character two of its digits come from the radical alone. Four-corner codes and strokes by
  // themselves made 伟 look like 件, 仲 and 价, and 杨 like 机 and 杉: among the 8,105 characters
  // of the Table of General Standard Chinese Characters that gave 14 look-alikes per character;
  // with the Cangjie condition it gives about 1 (README).
  bool LookAlike(char32_t a, char32_t b) const;

  // Returns c's Cantonese readings (Unihan kCantonese, Jyutping without tone digits, in Unihan's
  // order, without repeats), or those of its traditional variants when c has none itself; empty
  // when there are none.
  std::span<const std::string_view> Cantonese(char32_t c) const;

  // Returns c's first Mandarin reading (Unihan kMandarin, else its traditional variant's) in
  // lower-case ASCII without tone marks, ü written u as in common/identity's pinyin (吕 → "lu");
  // "" when there is none.
  std::string_view Mandarin(char32_t c) const;

  // How c reads as a surname when that differs from its common reading (Mandarin(c)): 区 is Ōu
  // and 单 is Shàn as surnames, not qū and dān. Pinyin without tones; Jyutping without tones
  // when the Cantonese surname reading is missing from Cantonese(c), else "". Both "" for a
  // character that is not such a surname. A hand-written table of public facts
  // (surname_readings.cc), not from Unihan, whose first reading is the common one.
  struct SurnameReading {
    std::string_view mandarin;
    std::string_view cantonese;
  };
  static SurnameReading Surname(char32_t c);

 private:
  HanChars();

  // What LookAlike reads of a row, gathered in one place (the table keeps one array per field).
  struct Shape {
    char32_t canonical;
    std::uint32_t cangjie;
    std::uint16_t four_corner;
    std::uint8_t radical;
    std::int8_t residual_strokes;
    std::uint8_t total_strokes;
    bool has_spoofing_variant;
  };

  // Returns the table row of c, or -1.
  int Row(char32_t c) const;
  char32_t CanonicalBySearch(char32_t c) const;
  bool SpoofingPair(char32_t a, char32_t b) const;
  static bool ShapesLookAlike(const Shape& a, const Shape& b);

  std::vector<std::string_view> syllables_;  // by syllable id
  std::vector<std::string_view> cantonese_;  // parallel to the table's cantonese_ids
  std::vector<std::int32_t> dense_rows_;     // row of kDenseBegin + i, or -1
  std::vector<Shape> shapes_;                // by row
};

// Returns a coarse comparison key for one romanized Cantonese syllable, so that its spellings in
// Jyutping ("can", "zoeng", "daai", "lei") and in the government style of Hong Kong identity
// cards and passports ("chan", "cheung", "tai", "lee") get the same key. Upper case is folded
// and anything but letters (tone digits, hyphens) is ignored; "" for no letters.
//
// Initials: aspiration is not written in the Hong Kong style, so b/p → p, d/t → t, g/k → k,
// gw/kw → kw, and z, c, ch, ts, tz → c; sh → s; j, y → y; ng- before a vowel is dropped (顏 Ngan
// and Ngaan/aan agree; syllabic ng as in 吳 Ng stays); Macau v → w, ku+a/o → kw, a leading i → y.
// Finals: aa → a (大 daai/Tai); oeng, eong → eung; oek → euk; eoi → ui; eon → un; eot → ut;
// yu → u, yun → uen, yut → uet; oo → u (Poon, Koo); ei, ee, i → i (Lee/Li/lei, Yee/ji);
// ou, aw, oh → o (Law/lo, Ko/gou); ow, ao → au (Chow/zau); ue → u (Yue/jyu); um → am (Shum/sam);
// z, ze after c or s → i (Tsz/zi, Sze/si); Macau io → iu and a final c → k.
// Not covered: Macau spellings that would merge syllables Hong Kong keeps apart (ung written
// ong as in 馮 Fong, eoi written oi as in 徐 Choi, ing written eng, a bare U), and Hong Kong
// "un" for Jyutping an (新 Sun).
std::string CantoneseKey(std::string_view syllable);

}  // namespace lifeline::match::linkage
