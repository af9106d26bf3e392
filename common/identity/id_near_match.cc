#include "common/identity/id_near_match.h"

#include <algorithm>
#include <bit>
#include <utility>

namespace lifeline::common {
namespace {

constexpr size_t kEditKeyHex = 16;
constexpr size_t kMinBloomDigits = 10;
// Lengths one edit away from 18 characters (a 15-digit number is upgraded to 18 first).
constexpr size_t kMinEditLength = 17;
constexpr size_t kMaxEditLength = 19;
constexpr char kStart = '^';
constexpr char kEnd = '$';

int HexValue(char c) { return c <= '9' ? c - '0' : c - 'a' + 10; }

int SymbolIndex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c == 'X') return 10;
  return c == kStart ? 11 : 12;
}

}  // namespace

IdNearEncoder::IdNearEncoder(const IdTokenizer& tokenizer) : tokenizer_(tokenizer) {
  constexpr char kAlphabet[kSymbols + 1] = "0123456789X^$";
  constexpr int kBloomBits = static_cast<int>(kIdBloomBytes) * 8;
  for (int first = 0; first < kSymbols; ++first) {
    for (int second = 0; second < kSymbols; ++second) {
      const std::string digest =
          tokenizer_.Token(std::string("b|") + kAlphabet[first] + kAlphabet[second]);
      Positions& positions = positions_[first * kSymbols + second];
      for (int k = 0; k < kBitsPerBigram; ++k) {
        int value = 0;
        for (int h = 0; h < 4; ++h) value = value * 16 + HexValue(digest[k * 4 + h]);
        positions[k] = static_cast<uint16_t>(value % kBloomBits);
      }
    }
  }
}

std::string IdNearEncoder::Key(std::string_view label, std::string_view text) const {
  std::string input(label);
  input.append(text);
  return tokenizer_.Token(input);
}

IdNearForm IdNearEncoder::Encode(const ParsedIdNumber& parsed) const {
  IdNearForm form;
  const std::string& digits = parsed.digits;
  if (digits.size() == 18) form.core_token = Key("c|", std::string_view(digits).substr(0, 17));
  if (digits.size() >= 15) {
    form.prefix15_token = Key("p|", std::string_view(digits).substr(0, 15));
  } else if (parsed.spreadsheet_prefix.size() == 15) {
    form.prefix15_token = Key("p|", parsed.spreadsheet_prefix);
  }
  if (digits.size() >= kMinEditLength && digits.size() <= kMaxEditLength) {
    std::vector<std::string> variants{digits};
    for (size_t i = 0; i < digits.size(); ++i) {
      variants.push_back(digits.substr(0, i) + digits.substr(i + 1));
    }
    std::sort(variants.begin(), variants.end());
    variants.erase(std::unique(variants.begin(), variants.end()), variants.end());
    for (const std::string& variant : variants) {
      form.edit_keys.push_back(Key("e|", variant).substr(0, kEditKeyHex));
    }
    std::sort(form.edit_keys.begin(), form.edit_keys.end());
  }
  if (digits.size() >= kMinBloomDigits) {
    form.bigram_bloom.assign(kIdBloomBytes, '\0');
    const std::string marked = kStart + digits + kEnd;
    for (size_t i = 0; i + 1 < marked.size(); ++i) {
      const Positions& positions =
          positions_[SymbolIndex(marked[i]) * kSymbols + SymbolIndex(marked[i + 1])];
      for (uint16_t bit : positions) {
        form.bigram_bloom[bit / 8] =
            static_cast<char>(form.bigram_bloom[bit / 8] | (1 << (bit % 8)));
      }
    }
  }
  return form;
}

double BloomDice(std::string_view a, std::string_view b) {
  if (a.empty() || a.size() != b.size()) return 0;
  int both = 0;
  int total = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    const auto x = static_cast<unsigned char>(a[i]);
    const auto y = static_cast<unsigned char>(b[i]);
    both += std::popcount(static_cast<unsigned>(x & y));
    total += std::popcount(static_cast<unsigned>(x)) + std::popcount(static_cast<unsigned>(y));
  }
  return total == 0 ? 0 : 2.0 * both / total;
}

}  // namespace lifeline::common
