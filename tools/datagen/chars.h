// Character tables for name noise: homophones, look-alikes and traditional forms of the
// characters common in Chinese names, written for this project. Immutable, thread-safe; built
// once on first use, lookups are an array index.
#pragma once

#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lifeline::datagen {

// Character substitutions for noise. Each returns an empty string when the character has none.
// `ch` is one UTF-8 encoded character.
std::string HomophoneOf(std::string_view ch, std::mt19937_64& rng);  // 伟 -> 玮 / 炜 / 威
std::string LookalikeOf(std::string_view ch, std::mt19937_64& rng);  // 王 -> 玉, 己 -> 已
std::string TraditionalOf(std::string_view ch);                      // 刘 -> 劉, 华 -> 華
// The inverse of TraditionalOf over the table: 劉 -> 刘. Empty for any other character.
std::string SimplifiedOf(std::string_view ch);

// Whether the corresponding substitution above would return something (no RNG used).
bool HasHomophone(std::string_view ch);
bool HasLookalike(std::string_view ch);
bool HasTraditional(std::string_view ch);

// The tables themselves, for tests and summaries: homophone groups (same pinyin, tones ignored),
// look-alike groups, and (simplified, traditional) pairs. Each character is one UTF-8 string.
const std::vector<std::vector<std::string>>& HomophoneGroups();
const std::vector<std::vector<std::string>>& LookalikeGroups();
const std::vector<std::pair<std::string, std::string>>& TraditionalPairs();

// Splits UTF-8 text into characters. A byte that does not start a well-formed sequence is a
// character of its own, so that joining the pieces always gives back `text`.
std::vector<std::string> Utf8Chars(std::string_view text);

}  // namespace lifeline::datagen
