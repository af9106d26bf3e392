// Surnames whose reading differs from the character's common one. Ingest writes a Han name's
// pinyin with each character's first Unihan reading, which is right for comparing two Han
// spellings (both read the same way) but not for a passport or a Hong Kong identity card that
// spells the surname as it is said: 区 is "OU" (Mandarin) or "AU" (Cantonese), not "QU".
#include <algorithm>
#include <array>

#include "match-service/domain/linkage/han_chars.h"

namespace lifeline::match::linkage {
namespace {

struct SurnameRow {
  char32_t c;
  const char* mandarin;
  const char* cantonese;
};

// Cantonese only where the surname reading is not among the character's kCantonese readings.
constexpr std::array<SurnameRow, 19> kSurnames = {{
    {U'乐', "yue", ""},      // Yuè (乐毅), not lè
    {U'仇', "qiu", "kau"},   // Qiú, not chóu
    {U'单', "shan", "sin"},  // Shàn, not dān; Hong Kong "Sin"
    {U'区', "ou", "au"},     // Ōu, not qū; Hong Kong "Au"
    {U'句', "gou", ""},      // Gōu, not jù
    {U'召', "shao", ""},     // Shào, not zhào
    {U'员', "yun", ""},      // Yùn, not yuán
    {U'尉', "yu", "wat"},    // Yù (尉迟), not wèi
    {U'曾', "zeng", ""},     // Zēng, not céng
    {U'朴', "piao", ""},     // Piáo, not pǔ
    {U'查', "zha", ""},      // Zhā, not chá
    {U'种', "chong", ""},    // Chóng, not zhǒng
    {U'秘', "bi", ""},       // Bì, not mì
    {U'繁', "po", ""},       // Pó, not fán
    {U'缪', "miao", ""},     // Miào, not móu
    {U'翟', "zhai", ""},     // Zhái, not dí
    {U'覃', "qin", ""},      // Qín, not tán
    {U'解', "xie", ""},      // Xiè, not jiě
    {U'盖', "ge", ""},       // Gě, not gài
}};

}  // namespace

HanChars::SurnameReading HanChars::Surname(char32_t c) {
  for (const SurnameRow& row : kSurnames) {
    if (row.c == c) return SurnameReading{row.mandarin, row.cantonese};
  }
  return SurnameReading{};
}

}  // namespace lifeline::match::linkage
