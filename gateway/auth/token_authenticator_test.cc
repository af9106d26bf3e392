#include "gateway/auth/token_authenticator.h"

#include <filesystem>
#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <unistd.h>

namespace lifeline::gateway {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

v1::Token MakeToken(const std::string& plain, const std::string& user, const std::string& role,
                    const std::string& scope) {
  v1::Token token;
  token.set_token_sha256(TokenAuthenticator::Sha256Hex(plain));
  token.set_user(user);
  token.set_role(role);
  token.set_scope(scope);
  return token;
}

TEST(TokenAuthenticatorTest, Sha256HexMatchesKnownVector) {
  EXPECT_EQ(TokenAuthenticator::Sha256Hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(TokenAuthenticatorTest, AuthenticatesBearerTokens) {
  v1::TokensFile file;
  *file.add_tokens() = MakeToken("demo-court-token", "court-clerk", "agency_submitter", "court");
  *file.add_tokens() = MakeToken("demo-procurator-token", "proc-zhao", "procurator", "3415");
  auto authenticator = TokenAuthenticator::FromProto(file);
  ASSERT_TRUE(authenticator.ok()) << authenticator.status();
  EXPECT_EQ(authenticator->size(), 2u);

  auto court = authenticator->Authenticate("Bearer demo-court-token");
  ASSERT_TRUE(court.ok());
  EXPECT_EQ(court->user, "court-clerk");
  EXPECT_EQ(court->role, "agency_submitter");
  EXPECT_EQ(court->scope, "court");
  EXPECT_TRUE(authenticator->Authenticate("bearer  demo-procurator-token ").ok());

  for (const char* bad : {"", "Bearer", "Bearer ", "Basic demo-court-token",
                          "Bearer demo-court-tokenX", "demo-court-token"}) {
    auto result = authenticator->Authenticate(bad);
    EXPECT_EQ(result.status().code(), absl::StatusCode::kUnauthenticated) << bad;
    EXPECT_THAT(result.status().message(), Not(HasSubstr("demo-court")));
  }
}

TEST(TokenAuthenticatorTest, ReportsEveryBadEntry) {
  v1::TokensFile file;
  *file.add_tokens() = MakeToken("a", "u1", "procurator", "34");
  file.mutable_tokens(0)->set_token_sha256("abc");
  *file.add_tokens() = MakeToken("b", "", "procurator", "34");
  *file.add_tokens() = MakeToken("c", "u3", "superuser", "");
  *file.add_tokens() = MakeToken("d", "u4", "partner", "");
  *file.add_tokens() = MakeToken("e", "u5", "admin", "");
  *file.add_tokens() = MakeToken("e", "u6", "admin", "");
  *file.add_tokens() = MakeToken("f", "u7", "chief_procurator", "");
  auto authenticator = TokenAuthenticator::FromProto(file);
  ASSERT_EQ(authenticator.status().code(), absl::StatusCode::kInvalidArgument);
  const std::string message(authenticator.status().message());
  EXPECT_THAT(message, HasSubstr("tokens[0].token_sha256"));
  EXPECT_THAT(message, HasSubstr("tokens[1].user"));
  EXPECT_THAT(message, HasSubstr("tokens[2].role"));
  EXPECT_THAT(message, HasSubstr("tokens[3].scope"));
  EXPECT_THAT(message, HasSubstr("tokens[5].token_sha256 repeats"));
  EXPECT_THAT(message, HasSubstr("tokens[6].scope"));
  EXPECT_THAT(message, Not(HasSubstr("tokens[4]")));
}

TEST(TokenAuthenticatorTest, AcceptsUpperCaseHashes) {
  v1::TokensFile file;
  *file.add_tokens() = MakeToken("x", "u", "admin", "");
  std::string upper = file.tokens(0).token_sha256();
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  file.mutable_tokens(0)->set_token_sha256(upper);
  auto authenticator = TokenAuthenticator::FromProto(file);
  ASSERT_TRUE(authenticator.ok());
  EXPECT_TRUE(authenticator->Authenticate("Bearer x").ok());
}

TEST(TokenAuthenticatorTest, LoadsYamlFileAndRejectsUnknownKeys) {
  const std::filesystem::path dir =
      std::filesystem::path(::testing::TempDir()) / ("tokens_test_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string good = (dir / "tokens.yaml").string();
  {
    std::ofstream out(good);
    out << "tokens:\n"
        << "  - token_sha256: " << TokenAuthenticator::Sha256Hex("t1") << "\n"
        << "    user: admin-1\n"
        << "    role: admin\n";
  }
  auto loaded = TokenAuthenticator::LoadFile(good);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->Authenticate("Bearer t1")->user, "admin-1");

  const std::string bad = (dir / "bad.yaml").string();
  {
    std::ofstream out(bad);
    out << "tokens:\n  - token: plain\n";
  }
  EXPECT_EQ(TokenAuthenticator::LoadFile(bad).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE(TokenAuthenticator::LoadFile((dir / "missing.yaml").string()).ok());
  std::filesystem::remove_all(dir);
}

TEST(TokenAuthenticatorTest, DemoTokensFileLoads) {
  const char* source_dir = std::getenv("LIFELINE_SOURCE_DIR");
  ASSERT_NE(source_dir, nullptr);
  auto demo = TokenAuthenticator::LoadFile(std::string(source_dir) + "/config/demo-tokens.yaml");
  ASSERT_TRUE(demo.ok()) << demo.status();
  EXPECT_EQ(demo->size(), 13u);
  auto procurator = demo->Authenticate("Bearer demo-procurator-token");
  ASSERT_TRUE(procurator.ok());
  EXPECT_EQ(procurator->role, "procurator");
  EXPECT_EQ(procurator->scope, "34");
  auto chief = demo->Authenticate("Bearer demo-chief-procurator-token");
  ASSERT_TRUE(chief.ok());
  EXPECT_EQ(chief->role, "chief_procurator");
  auto hefei = demo->Authenticate("Bearer demo-procurator-hefei-token");
  ASSERT_TRUE(hefei.ok());
  EXPECT_EQ(hefei->scope, "3401");
  auto partner = demo->Authenticate("Bearer demo-partner-legal-aid-token");
  ASSERT_TRUE(partner.ok());
  EXPECT_EQ(partner->scope, "legal_aid");
  for (const char* agency :
       {"procuratorate", "court", "civil_affairs", "disabled_persons_federation",
        "rural_revitalization", "womens_federation", "ex_servicemen_affairs", "medical_security"}) {
    std::string token = std::string("demo-submitter-") + agency + "-token";
    for (char& c : token) {
      if (c == '_') c = '-';
    }
    auto submitter = demo->Authenticate("Bearer " + token);
    ASSERT_TRUE(submitter.ok()) << token;
    EXPECT_EQ(submitter->role, "agency_submitter");
    EXPECT_EQ(submitter->scope, agency);
  }
}

}  // namespace
}  // namespace lifeline::gateway
