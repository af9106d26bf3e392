#include "common/identity/id_token.h"

#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "absl/status/status.h"

namespace lifeline::common {
namespace {

IdTokenizer MakeOrDie(std::string secret) {
  absl::StatusOr<IdTokenizer> tokenizer = IdTokenizer::Create(std::move(secret));
  EXPECT_TRUE(tokenizer.ok()) << tokenizer.status();
  return *std::move(tokenizer);
}

TEST(IdTokenizerTest, RejectsShortSecrets) {
  EXPECT_EQ(IdTokenizer::Create("").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(IdTokenizer::Create("fifteen-bytes!!").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(IdTokenizer::Create("sixteen-bytes!!!").ok());
}

TEST(IdTokenizerTest, ErrorDoesNotRevealTheSecret) {
  absl::Status status = IdTokenizer::Create("hunter2").status();
  EXPECT_EQ(status.message().find("hunter2"), std::string::npos);
}

// RFC 4231, test cases 1 and 3 (HMAC-SHA-256).
TEST(IdTokenizerTest, MatchesRfc4231Vectors) {
  const IdTokenizer case1 = MakeOrDie(std::string(20, '\x0b'));
  EXPECT_EQ(case1.Token("Hi There"),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  const IdTokenizer case3 = MakeOrDie(std::string(20, '\xaa'));
  EXPECT_EQ(case3.Token(std::string(50, '\xdd')),
            "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe");
}

// RFC 4231 case 4 (a key shorter than a block) and case 6 (a key longer than a block, which
// HMAC hashes first).
TEST(IdTokenizerTest, MatchesRfc4231VectorsForOtherKeyLengths) {
  std::string key4;
  for (char c = 1; c <= 25; ++c) key4.push_back(c);
  EXPECT_EQ(MakeOrDie(key4).Token(std::string(50, '\xcd')),
            "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b");
  EXPECT_EQ(MakeOrDie(std::string(131, '\xaa'))
                .Token("Test Using Larger Than Block-Size Key - Hash Key First"),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

// The pads are computed by hand; OpenSSL's own HMAC must agree for every key length around the
// block size and every message length around it.
TEST(IdTokenizerTest, AgreesWithOpenSslHmac) {
  for (size_t key_size : {16, 63, 64, 65, 200}) {
    std::string secret;
    for (size_t i = 0; i < key_size; ++i) secret.push_back(static_cast<char>(i * 7 + key_size));
    const IdTokenizer tokenizer = MakeOrDie(secret);
    for (size_t size = 0; size <= 130; ++size) {
      std::string message;
      for (size_t i = 0; i < size; ++i) message.push_back(static_cast<char>('0' + (i * 3) % 75));
      unsigned char digest[EVP_MAX_MD_SIZE];
      unsigned int digest_size = 0;
      ASSERT_NE(HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
                     reinterpret_cast<const unsigned char*>(message.data()), message.size(), digest,
                     &digest_size),
                nullptr);
      std::string expected;
      static constexpr char kHex[] = "0123456789abcdef";
      for (unsigned int i = 0; i < digest_size; ++i) {
        expected.push_back(kHex[digest[i] >> 4]);
        expected.push_back(kHex[digest[i] & 0x0f]);
      }
      EXPECT_EQ(tokenizer.Token(message), expected) << "key " << key_size << " message " << size;
    }
  }
}

TEST(IdTokenizerTest, DeterministicLowerHexAndKeyed) {
  const IdTokenizer a = MakeOrDie("deployment-secret-a");
  const IdTokenizer a_again = MakeOrDie("deployment-secret-a");
  const IdTokenizer b = MakeOrDie("deployment-secret-b");
  const std::string token = a.Token("11010519491231002X");
  EXPECT_EQ(token.size(), 64u);
  EXPECT_EQ(token.find_first_not_of("0123456789abcdef"), std::string::npos) << token;
  EXPECT_EQ(token, a.Token("11010519491231002X"));
  EXPECT_EQ(token, a_again.Token("11010519491231002X"));
  EXPECT_NE(token, b.Token("11010519491231002X"));
  EXPECT_NE(token, a.Token("341523198001011236"));
  EXPECT_EQ(token.find("11010519491231002X"), std::string::npos);
}

// Every token copies one shared pair of keyed states; threads must not disturb each other.
TEST(IdTokenizerTest, ConcurrentCallsGiveTheSerialTokens) {
  const IdTokenizer tokenizer = MakeOrDie("deployment-secret-a");
  const IdTokenizer copy = tokenizer;
  std::vector<std::string> ids;
  std::vector<std::string> expected;
  for (int i = 0; i < 200; ++i) {
    ids.push_back("1101051949123" + std::to_string(1000 + i));
    expected.push_back(tokenizer.Token(ids.back()));
  }
  std::vector<std::vector<std::string>> got(4);
  std::vector<std::thread> threads;
  for (size_t t = 0; t < got.size(); ++t) {
    threads.emplace_back([&, t] {
      const IdTokenizer& mine = t % 2 == 0 ? tokenizer : copy;
      for (int round = 0; round < 5; ++round) {
        for (const std::string& id : ids) got[t].push_back(mine.Token(id));
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (const std::vector<std::string>& tokens : got) {
    ASSERT_EQ(tokens.size(), ids.size() * 5);
    for (size_t i = 0; i < tokens.size(); ++i) EXPECT_EQ(tokens[i], expected[i % ids.size()]);
  }
}

}  // namespace
}  // namespace lifeline::common
