#include "common/identity/id_near_match.h"

#include <algorithm>
#include <bit>
#include <utility>

namespace lifeline::common {
namespace {

constexpr size_t kMinBloomDigits = 10;
// Lengths one edit away from 18 characters (a 15-digit number is upgraded to 18 first).
constexpr size_t kMinEditLength = 17;
constexpr size_t kMaxEditLength = 19;
constexpr char kStart = '^';
constexpr char kEnd = '$';

int HexValue(char c) { return c <= '9' ? c - '0' : c - 'a' + 10; }

// The 64-bit value of 16 lower-case hex digits.
uint64_t HexWord(std::string_view hex) {
  uint64_t value = 0;
  for (char c : hex.substr(0, 16)) value = value << 4 | static_cast<uint64_t>(HexValue(c));
  return value;
}

uint64_t Rotl(uint64_t x, int b) { return (x << b) | (x >> (64 - b)); }

struct SipState {
  uint64_t v0, v1, v2, v3;
  void Round() {
    v0 += v1;
    v1 = Rotl(v1, 13);
    v1 ^= v0;
    v0 = Rotl(v0, 32);
    v2 += v3;
    v3 = Rotl(v3, 16);
    v3 ^= v2;
    v0 += v3;
    v3 = Rotl(v3, 21);
    v3 ^= v0;
    v2 += v1;
    v1 = Rotl(v1, 17);
    v1 ^= v2;
    v2 = Rotl(v2, 32);
  }
  void Absorb(uint64_t m) {
    v3 ^= m;
    Round();
    Round();
    v0 ^= m;
  }
};

int SymbolIndex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c == 'X') return 10;
  return c == kStart ? 11 : 12;
}

}  // namespace

uint64_t SipHash24(uint64_t k0, uint64_t k1, std::string_view data) {
  SipState s{k0 ^ 0x736f6d6570736575ULL, k1 ^ 0x646f72616e646f6dULL, k0 ^ 0x6c7967656e657261ULL,
             k1 ^ 0x7465646279746573ULL};
  const size_t whole = data.size() / 8 * 8;
  for (size_t i = 0; i < whole; i += 8) {
    uint64_t m = 0;
    for (int b = 7; b >= 0; --b) m = m << 8 | static_cast<unsigned char>(data[i + b]);
    s.Absorb(m);
  }
  uint64_t last = static_cast<uint64_t>(data.size() & 0xff) << 56;
  for (size_t i = whole; i < data.size(); ++i) {
    last |= static_cast<uint64_t>(static_cast<unsigned char>(data[i])) << (8 * (i - whole));
  }
  s.Absorb(last);
  s.v2 ^= 0xff;
  for (int i = 0; i < 4; ++i) s.Round();
  return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}

IdNearEncoder::IdNearEncoder(const IdTokenizer& tokenizer) : tokenizer_(tokenizer) {
  const std::string key = tokenizer_.Token("k|edit-keys");
  edit_key0_ = HexWord(std::string_view(key).substr(0, 16));
  edit_key1_ = HexWord(std::string_view(key).substr(16, 16));
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
    // Each variant is hashed from a buffer on the stack; equal variants (a repeated digit) give
    // equal keys, which the sort brings together.
    char variant[kMaxEditLength];
    form.edit_keys.reserve(digits.size() + 1);
    form.edit_keys.push_back(SipHash24(edit_key0_, edit_key1_, digits));
    for (size_t i = 0; i < digits.size(); ++i) {
      digits.copy(variant, i);
      digits.copy(variant + i, digits.size() - i - 1, i + 1);
      form.edit_keys.push_back(
          SipHash24(edit_key0_, edit_key1_, std::string_view(variant, digits.size() - 1)));
    }
    std::sort(form.edit_keys.begin(), form.edit_keys.end());
    form.edit_keys.erase(std::unique(form.edit_keys.begin(), form.edit_keys.end()),
                         form.edit_keys.end());
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
