// Near-match forms of resident ID numbers: what lets two records compare as "close" when one
// number is mistyped or damaged, without keeping or sending its digits. Every form is keyed with
// the deployment's ID-token secret, so none can be reversed by enumerating numbers.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/identity/id_number.h"
#include "common/identity/id_token.h"

namespace lifeline::common {

// Bytes of IdNearForm::bigram_bloom.
inline constexpr size_t kIdBloomBytes = 64;

struct IdNearForm {
  // Keyed token of the first 17 characters of an 18-character number: two numbers that differ
  // only in the check character (mistyped, or computed wrongly by an old system) share it.
  std::string core_token;
  // Keyed token of the first 15 digits: what a spreadsheet that kept 15 significant digits
  // leaves. Shared by numbers with the same region, birth date and first sequence digit.
  std::string prefix15_token;
  // 64-bit keyed hashes (SipHash-2-4 under a key drawn from the secret) of the number and of
  // each form of it with one character deleted, sorted and unique. Two numbers one substituted
  // digit, one inserted or dropped digit or one swap of neighbours apart share at least one key:
  // for blocking. A token per variant (HMAC) cost seven times the rest of validation.
  std::vector<uint64_t> edit_keys;
  // kIdBloomBytes keyed Bloom filter of the number's character bigrams, with start and end
  // marks; BloomDice of two filters grades how close two numbers are. Empty under 10 digits.
  std::string bigram_bloom;
};

// Computes near-match forms. Thread-safe and cheap to copy.
class IdNearEncoder {
 public:
  explicit IdNearEncoder(const IdTokenizer& tokenizer);

  // The forms of what `parsed` (from ParseIdNumber) still holds: its digits, or the prefix a
  // spreadsheet kept. Empty fields where nothing is left to compare.
  IdNearForm Encode(const ParsedIdNumber& parsed) const;

 private:
  static constexpr int kBitsPerBigram = 6;
  // Characters of a bigram: '0'-'9', 'X', start, end.
  static constexpr int kSymbols = 13;
  using Positions = std::array<uint16_t, kBitsPerBigram>;

  std::string Key(std::string_view label, std::string_view text) const;

  IdTokenizer tokenizer_;
  // SipHash key of the edit keys, drawn from a keyed token once.
  uint64_t edit_key0_ = 0;
  uint64_t edit_key1_ = 0;
  // Bloom bit positions of every bigram, drawn from keyed tokens once.
  std::array<Positions, kSymbols * kSymbols> positions_{};
};

// SipHash-2-4 (Aumasson and Bernstein) of `data` under the 128-bit key (k0, k1): a keyed
// pseudo-random function, fast on short inputs.
uint64_t SipHash24(uint64_t k0, uint64_t k1, std::string_view data);

// Dice coefficient 2|A∩B| / (|A|+|B|) of two Bloom filters of kIdBloomBytes, in 0..1; 0 when
// either is empty or their sizes differ.
double BloomDice(std::string_view a, std::string_view b);

}  // namespace lifeline::common
