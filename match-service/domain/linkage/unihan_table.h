// The layout of the character table that unihan_gen writes at build time from the Unihan
// database (see unihan_gen.cc); read only through HanChars (han_chars.h).
#pragma once

#include <cstdint>
#include <span>

namespace lifeline::match::linkage::unihan {

// Sentinels of the per-row arrays.
inline constexpr std::uint16_t kNoFourCorner = 0xFFFF;
inline constexpr std::uint16_t kNoSyllable = 0;  // syllable id 0 is the empty string
inline constexpr std::uint32_t kNoCangjie = 0;

// A Cangjie code of up to 5 letters packed base 27, first letter most significant
// (A = 1 … Z = 26): "MG" → 13 × 27 + 7.
inline constexpr int kMaxCangjieLetters = 5;

// Every array is immutable and constant-initialized. Rows (one per code point, code_points
// ascending) hold the code points that have a reading, a four-corner code, a Cangjie code or a
// variant link; a code point without any of those is not in the table.
struct Table {
  std::span<const std::uint32_t> code_points;
  std::span<const std::uint8_t> radical;          // kRSUnicode radical 1..214 (' dropped)
  std::span<const std::int8_t> residual_strokes;  // kRSUnicode residual strokes (may be < 0)
  std::span<const std::uint8_t> total_strokes;    // kTotalStrokes, first value
  std::span<const std::uint16_t> four_corner;     // first 4 digits as 0..9999, or kNoFourCorner
  std::span<const std::uint32_t> cangjie;         // packed as above, or kNoCangjie
  std::span<const std::uint16_t> mandarin;        // syllable id, or kNoSyllable
  // Row i's Cantonese syllable ids are cantonese_ids[cantonese_begin[i], cantonese_begin[i+1]).
  std::span<const std::uint32_t> cantonese_begin;  // size rows + 1
  std::span<const std::uint16_t> cantonese_ids;

  // Syllable id s is the NUL-terminated string at syllable_chars + syllable_offsets[s].
  std::span<const char> syllable_chars;
  std::span<const std::uint32_t> syllable_offsets;

  // canonical_to[i] represents the variant class of canonical_from[i] (ascending); a code point
  // not listed is its own representative.
  std::span<const std::uint32_t> canonical_from;
  std::span<const std::uint32_t> canonical_to;

  // kSpoofingVariant pairs, both directions, sorted by (spoof_a, spoof_b).
  std::span<const std::uint32_t> spoof_a;
  std::span<const std::uint32_t> spoof_b;
};

// Defined in the generated unihan_table.cc.
extern const Table kTable;

}  // namespace lifeline::match::linkage::unihan
