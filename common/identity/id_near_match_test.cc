#include "common/identity/id_near_match.h"

#include <algorithm>
#include <iterator>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace lifeline::common {
namespace {

// A valid number (check character computed) from its first 17 digits.
std::string Valid(const std::string& first17) { return first17 + IdCheckCharacter(first17); }

class IdNearMatchTest : public ::testing::Test {
 protected:
  IdNearMatchTest() : encoder_(*IdTokenizer::Create("near-match-test-secret-0123456789")) {}

  IdNearForm Form(const std::string& raw) const { return encoder_.Encode(ParseIdNumber(raw)); }

  static bool ShareEditKey(const IdNearForm& a, const IdNearForm& b) {
    std::vector<uint64_t> common;
    std::set_intersection(a.edit_keys.begin(), a.edit_keys.end(), b.edit_keys.begin(),
                          b.edit_keys.end(), std::back_inserter(common));
    return !common.empty();
  }

  IdNearEncoder encoder_;
};

const std::string kNumber = Valid("34152319800101123");  // 341523198001011236

TEST_F(IdNearMatchTest, OneEditApartShareAnEditKey) {
  const IdNearForm original = Form(kNumber);
  ASSERT_FALSE(original.edit_keys.empty());
  for (size_t i = 0; i < kNumber.size(); ++i) {
    SCOPED_TRACE(i);
    std::string substituted = kNumber;
    substituted[i] = substituted[i] == '9' ? '0' : static_cast<char>(substituted[i] + 1);
    EXPECT_TRUE(ShareEditKey(original, Form(substituted)));
    const std::string doubled = kNumber.substr(0, i + 1) + kNumber.substr(i);
    EXPECT_TRUE(ShareEditKey(original, Form(doubled)));
    const std::string dropped = kNumber.substr(0, i) + kNumber.substr(i + 1);
    EXPECT_TRUE(ShareEditKey(original, Form(dropped)));
    if (i + 1 < kNumber.size()) {
      std::string swapped = kNumber;
      std::swap(swapped[i], swapped[i + 1]);
      EXPECT_TRUE(ShareEditKey(original, Form(swapped)));
    }
  }
}

TEST_F(IdNearMatchTest, NumbersTwoOrMoreEditsApartShareNoEditKey) {
  const IdNearForm original = Form(kNumber);
  // Another person of the same county and birthday: sequence 123 against 457.
  EXPECT_FALSE(ShareEditKey(original, Form(Valid("34152319800101457"))));
  EXPECT_FALSE(ShareEditKey(original, Form(Valid("11010519491231002"))));
  // Two substitutions far apart.
  EXPECT_FALSE(ShareEditKey(original, Form("341533198001011286")));
}

TEST_F(IdNearMatchTest, CheckCharacterAloneDiffersKeepsTheCoreToken) {
  const IdNearForm valid = Form(kNumber);
  const IdNearForm wrong_check = Form("341523198001011237");
  ASSERT_FALSE(valid.core_token.empty());
  EXPECT_EQ(valid.core_token, wrong_check.core_token);
  EXPECT_NE(valid.core_token, Form("341523198001011246").core_token);
  // Not the token of the number itself: a core token never passes for an identifier.
  EXPECT_NE(valid.core_token,
            IdTokenizer::Create("near-match-test-secret-0123456789")->Token(kNumber));
}

TEST_F(IdNearMatchTest, SpreadsheetDamageKeepsOnlyTheFirstFifteenDigits) {
  const IdNearForm original = Form(kNumber);
  const IdNearForm zeroed = Form("341523198001011000");
  const IdNearForm scientific = Form("3.41523198001011E+17");
  ASSERT_FALSE(zeroed.prefix15_token.empty());
  EXPECT_EQ(zeroed.prefix15_token, original.prefix15_token);
  EXPECT_EQ(scientific.prefix15_token, original.prefix15_token);
  EXPECT_TRUE(zeroed.edit_keys.empty());
  EXPECT_TRUE(zeroed.bigram_bloom.empty());
  EXPECT_TRUE(zeroed.core_token.empty());
  // Six significant digits say nothing about the person.
  const IdNearForm short_form = Form("3.41523E+17");
  EXPECT_TRUE(short_form.prefix15_token.empty());
  EXPECT_TRUE(short_form.edit_keys.empty());
}

TEST_F(IdNearMatchTest, BloomDiceGradesCloseness) {
  const IdNearForm original = Form(kNumber);
  ASSERT_EQ(original.bigram_bloom.size(), kIdBloomBytes);
  EXPECT_DOUBLE_EQ(BloomDice(original.bigram_bloom, original.bigram_bloom), 1.0);
  const double one_digit =
      BloomDice(original.bigram_bloom, Form("341523198001011286").bigram_bloom);
  const double swapped = BloomDice(original.bigram_bloom, Form("341523190801011236").bigram_bloom);
  const double neighbour =
      BloomDice(original.bigram_bloom, Form(Valid("34152319800101457")).bigram_bloom);
  const double stranger =
      BloomDice(original.bigram_bloom, Form(Valid("65010220000229008")).bigram_bloom);
  EXPECT_GT(one_digit, 0.8);
  EXPECT_GT(swapped, 0.75);
  EXPECT_GT(one_digit, neighbour);
  EXPECT_GT(neighbour, stranger);
  EXPECT_LT(stranger, 0.6);
  EXPECT_EQ(BloomDice("", original.bigram_bloom), 0);
  EXPECT_EQ(BloomDice("ab", original.bigram_bloom), 0);
}

// The reference vectors of the SipHash paper's implementation: key 00 01 .. 0f, messages of the
// bytes 00 01 .. (n-1).
TEST(SipHashTest, MatchesTheReferenceVectors) {
  const uint64_t k0 = 0x0706050403020100ULL;
  const uint64_t k1 = 0x0f0e0d0c0b0a0908ULL;
  std::string message;
  for (int i = 0; i < 16; ++i) message.push_back(static_cast<char>(i));
  EXPECT_EQ(SipHash24(k0, k1, ""), 0x726fdb47dd0e0e31ULL);
  EXPECT_EQ(SipHash24(k0, k1, message.substr(0, 1)), 0x74f839c593dc67fdULL);
  EXPECT_EQ(SipHash24(k0, k1, message.substr(0, 15)), 0xa129ca6149be45e5ULL);
}

TEST_F(IdNearMatchTest, FormsAreKeyedByTheSecret) {
  const IdNearEncoder other(*IdTokenizer::Create("another-deployment-secret-987654"));
  const IdNearForm here = Form(kNumber);
  const IdNearForm there = other.Encode(ParseIdNumber(kNumber));
  EXPECT_NE(here.core_token, there.core_token);
  EXPECT_NE(here.prefix15_token, there.prefix15_token);
  EXPECT_NE(here.edit_keys, there.edit_keys);
  EXPECT_NE(here.bigram_bloom, there.bigram_bloom);
}

TEST_F(IdNearMatchTest, NothingComparableIsLeftOfAnEmptyOrForeignNumber) {
  for (const char* raw : {"", "34152319800101123A", "12345"}) {
    SCOPED_TRACE(raw);
    const IdNearForm form = Form(raw);
    EXPECT_TRUE(form.core_token.empty());
    EXPECT_TRUE(form.prefix15_token.empty());
    EXPECT_TRUE(form.edit_keys.empty());
    EXPECT_TRUE(form.bigram_bloom.empty());
  }
}

}  // namespace
}  // namespace lifeline::common
