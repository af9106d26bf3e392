#include "common/identity/id_token.h"

#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

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

// Every token works on a copy of one shared keyed context; threads must not disturb each other.
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
