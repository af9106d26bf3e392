#include "common/identity/id_token.h"

#include <string>

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

}  // namespace
}  // namespace lifeline::common
