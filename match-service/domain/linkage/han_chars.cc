#include "match-service/domain/linkage/han_chars.h"

#include <algorithm>
#include <array>
#include <cstdlib>

#include "match-service/domain/linkage/unihan_table.h"

namespace lifeline::match::linkage {
namespace {

using unihan::kTable;

// Rows of the BMP ideograph blocks (CJK Extension A … Compatibility Ideographs) are found by
// direct index; the rest of the table by binary search.
constexpr char32_t kDenseBegin = 0x3400;
constexpr char32_t kDenseEnd = 0xFB00;

struct Cangjie {
  std::array<std::uint8_t, unihan::kMaxCangjieLetters> letters{};
  int size = 0;
};

Cangjie Unpack(std::uint32_t packed) {
  Cangjie code;
  std::array<std::uint8_t, unihan::kMaxCangjieLetters> reversed{};
  while (packed != 0 && code.size < unihan::kMaxCangjieLetters) {
    reversed[code.size++] = static_cast<std::uint8_t>(packed % 27);
    packed /= 27;
  }
  for (int i = 0; i < code.size; ++i) code.letters[i] = reversed[code.size - 1 - i];
  return code;
}

// Returns the optimal-string-alignment distance (insert, delete, substitute, swap adjacent).
int EditDistance(const Cangjie& a, const Cangjie& b) {
  constexpr int kN = unihan::kMaxCangjieLetters + 1;
  int d[kN][kN];
  for (int i = 0; i <= a.size; ++i) d[i][0] = i;
  for (int j = 0; j <= b.size; ++j) d[0][j] = j;
  for (int i = 1; i <= a.size; ++i) {
    for (int j = 1; j <= b.size; ++j) {
      int cost = a.letters[i - 1] == b.letters[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a.letters[i - 1] == b.letters[j - 2] &&
          a.letters[i - 2] == b.letters[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.size][b.size];
}

int SharedDigits(std::uint16_t a, std::uint16_t b) {
  int shared = 0;
  for (int i = 0; i < 4; ++i, a /= 10, b /= 10) shared += a % 10 == b % 10 ? 1 : 0;
  return shared;
}

}  // namespace

const HanChars& HanChars::Get() {
  static const HanChars* const chars = new HanChars();
  return *chars;
}

HanChars::HanChars() {
  const char* chars = kTable.syllable_chars.data();
  syllables_.reserve(kTable.syllable_offsets.size());
  for (std::uint32_t offset : kTable.syllable_offsets) syllables_.emplace_back(chars + offset);
  cantonese_.reserve(kTable.cantonese_ids.size());
  for (std::uint16_t id : kTable.cantonese_ids) cantonese_.push_back(syllables_[id]);
  dense_rows_.assign(kDenseEnd - kDenseBegin, -1);
  shapes_.reserve(kTable.code_points.size());
  for (size_t row = 0; row < kTable.code_points.size(); ++row) {
    char32_t c = kTable.code_points[row];
    if (c >= kDenseBegin && c < kDenseEnd) dense_rows_[c - kDenseBegin] = static_cast<int>(row);
    shapes_.push_back(Shape{CanonicalBySearch(c), kTable.cangjie[row], kTable.four_corner[row],
                            kTable.radical[row], kTable.residual_strokes[row],
                            kTable.total_strokes[row],
                            std::binary_search(kTable.spoof_a.begin(), kTable.spoof_a.end(), c)});
  }
}

int HanChars::Row(char32_t c) const {
  if (c >= kDenseBegin && c < kDenseEnd) return dense_rows_[c - kDenseBegin];
  auto it = std::lower_bound(kTable.code_points.begin(), kTable.code_points.end(), c);
  if (it == kTable.code_points.end() || *it != c) return -1;
  return static_cast<int>(it - kTable.code_points.begin());
}

char32_t HanChars::CanonicalBySearch(char32_t c) const {
  auto it = std::lower_bound(kTable.canonical_from.begin(), kTable.canonical_from.end(), c);
  if (it == kTable.canonical_from.end() || *it != c) return c;
  return kTable.canonical_to[it - kTable.canonical_from.begin()];
}

char32_t HanChars::Canonical(char32_t c) const {
  int row = Row(c);
  return row >= 0 ? shapes_[row].canonical : CanonicalBySearch(c);
}

bool HanChars::SpoofingPair(char32_t a, char32_t b) const {
  auto it = std::lower_bound(kTable.spoof_a.begin(), kTable.spoof_a.end(), a);
  for (size_t i = it - kTable.spoof_a.begin(); i < kTable.spoof_a.size(); ++i) {
    if (kTable.spoof_a[i] != a) break;
    if (kTable.spoof_b[i] == b) return true;
  }
  return false;
}

bool HanChars::ShapesLookAlike(const Shape& a, const Shape& b) {
  if (a.four_corner == unihan::kNoFourCorner || b.four_corner == unihan::kNoFourCorner) {
    return false;
  }
  int shared = SharedDigits(a.four_corner, b.four_corner);
  if (shared < 3 || std::abs(a.total_strokes - b.total_strokes) > 1) return false;
  bool same_radical = a.radical == b.radical;
  int residual_gap = std::abs(a.residual_strokes - b.residual_strokes);
  if (a.cangjie == unihan::kNoCangjie || b.cangjie == unihan::kNoCangjie) {
    return shared == 4 && same_radical && residual_gap <= 1;
  }
  int edits = EditDistance(Unpack(a.cangjie), Unpack(b.cangjie));
  if (shared == 4 && edits <= 2) return true;
  return same_radical && residual_gap <= 1 && edits <= 1;
}

bool HanChars::LookAlike(char32_t a, char32_t b) const {
  if (a == b) return false;
  int row_a = Row(a);
  int row_b = Row(b);
  if (row_a < 0 || row_b < 0) {
    return CanonicalBySearch(a) == CanonicalBySearch(b) || SpoofingPair(a, b);
  }
  const Shape& shape_a = shapes_[row_a];
  const Shape& shape_b = shapes_[row_b];
  if (shape_a.canonical == shape_b.canonical) return true;
  if (shape_a.has_spoofing_variant && SpoofingPair(a, b)) return true;
  return ShapesLookAlike(shape_a, shape_b);
}

std::span<const std::string_view> HanChars::Cantonese(char32_t c) const {
  int row = Row(c);
  if (row < 0) return {};
  std::uint32_t begin = kTable.cantonese_begin[row];
  std::uint32_t end = kTable.cantonese_begin[row + 1];
  return std::span<const std::string_view>(cantonese_.data() + begin, end - begin);
}

std::string_view HanChars::Mandarin(char32_t c) const {
  int row = Row(c);
  if (row < 0) return {};
  return syllables_[kTable.mandarin[row]];
}

}  // namespace lifeline::match::linkage
