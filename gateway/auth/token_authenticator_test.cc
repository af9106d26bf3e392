#include "gateway/auth/token_authenticator.h"

#include <filesystem>
#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/time/clock.h"
#include "absl/time/time.h"

#include "common/auth/jwt.h"
#include "common/testing/process.h"
#include "common/testing/test_pki.h"
#include <unistd.h>

namespace lifeline::gateway {
namespace {

const absl::Time kNow = absl::FromUnixSeconds(1796000000);

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
  EXPECT_EQ(demo->size(), 14u);
  auto auditor = demo->Authenticate("Bearer demo-auditor-token");
  ASSERT_TRUE(auditor.ok());
  EXPECT_EQ(auditor->role, "auditor");
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

// An identity provider's tokens: HS256 and RS256 keys in a key file beside the tokens file.
class JwtAuthenticatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto pair = common::testing::MakeRsaKeyPair();
    ASSERT_TRUE(pair.ok()) << pair.status();
    rsa_private_ = *common::JwtKey::Rs256FromPem("idp-rsa", pair->private_pem);
    Write(dir_.path() + "/idp-rsa.pem", pair->public_pem);
    hmac_.id = "idp-hmac";
    Write(keys_file_,
          "idp-hmac HS256 hex:" + std::string(64, '6') + "\nidp-rsa RS256 idp-rsa.pem\n");
    hmac_.secret = std::string(32, '\x66');  // the key file's hex 66…66
    Write(tokens_file_, "tokens:\n  - token_sha256: " + TokenAuthenticator::Sha256Hex("api-key-1") +
                            "\n    user: admin-1\n    role: admin\n");
    auto loaded = TokenAuthenticator::LoadFile(tokens_file_);
    ASSERT_TRUE(loaded.ok()) << loaded.status();
    authenticator_ = std::make_unique<TokenAuthenticator>(*std::move(loaded));
    ASSERT_TRUE(
        authenticator_
            ->AcceptJwt({keys_file_, "https://idp.example", "lifeline-gateway", absl::Hours(12)})
            .ok());
  }

  static void Write(const std::string& path, const std::string& text) {
    std::ofstream out(path, std::ios::trunc);
    out << text;
  }

  common::JwtClaims Claims(const std::string& role, const std::string& scope) const {
    common::JwtClaims claims;
    claims.issuer = "https://idp.example";
    claims.audience = {"lifeline-gateway"};
    claims.subject = "reviewer-7";
    claims.issued_at = kNow - absl::Minutes(1);
    claims.expires = kNow + absl::Hours(1);
    if (!role.empty()) claims.strings["role"] = role;
    if (!scope.empty()) claims.strings["scope"] = scope;
    return claims;
  }

  absl::StatusOr<Principal> Try(const common::JwtClaims& claims, const common::JwtKey& key) {
    auto token = common::SignJwt(claims, key);
    EXPECT_TRUE(token.ok()) << token.status();
    return authenticator_->Authenticate("Bearer " + token.value_or(""), kNow);
  }

  common::testing::TempDir dir_;
  const std::string keys_file_ = dir_.path() + "/idp.keys";
  const std::string tokens_file_ = dir_.path() + "/tokens.yaml";
  common::JwtKey hmac_;
  common::JwtKey rsa_private_;
  std::unique_ptr<TokenAuthenticator> authenticator_;
};

TEST_F(JwtAuthenticatorTest, AcceptsHs256AndRs256TokensBesideApiKeys) {
  auto hs = Try(Claims("procurator", "3415"), hmac_);
  ASSERT_TRUE(hs.ok()) << hs.status();
  EXPECT_EQ(hs->user, "reviewer-7");
  EXPECT_EQ(hs->role, "procurator");
  EXPECT_EQ(hs->scope, "3415");
  auto rs = Try(Claims("partner", "legal_aid"), rsa_private_);
  ASSERT_TRUE(rs.ok()) << rs.status();
  EXPECT_EQ(rs->scope, "legal_aid");
  EXPECT_EQ(authenticator_->Authenticate("Bearer api-key-1", kNow)->user, "admin-1");
}

// The auth matrix for tokens: each way a token can be wrong, and the code it gets.
TEST_F(JwtAuthenticatorTest, RefusesBadTokensWithTheRightCode) {
  auto code = [](const absl::StatusOr<Principal>& result) { return result.status().code(); };
  common::JwtClaims expired = Claims("procurator", "3415");
  expired.issued_at = kNow - absl::Hours(3);
  expired.expires = kNow - absl::Hours(1);
  EXPECT_EQ(code(Try(expired, hmac_)), absl::StatusCode::kUnauthenticated);

  common::JwtKey wrong = hmac_;
  wrong.secret = std::string(32, 'x');
  EXPECT_EQ(code(Try(Claims("procurator", "3415"), wrong)), absl::StatusCode::kUnauthenticated);

  common::JwtClaims audience = Claims("procurator", "3415");
  audience.audience = {"another-system"};
  EXPECT_EQ(code(Try(audience, hmac_)), absl::StatusCode::kUnauthenticated);

  common::JwtClaims issuer = Claims("procurator", "3415");
  issuer.issuer = "https://evil.example";
  EXPECT_EQ(code(Try(issuer, hmac_)), absl::StatusCode::kUnauthenticated);

  common::JwtClaims forever = Claims("admin", "");
  forever.expires = kNow + absl::Hours(24 * 30);
  EXPECT_EQ(code(Try(forever, hmac_)), absl::StatusCode::kUnauthenticated);

  common::JwtClaims no_subject = Claims("admin", "");
  no_subject.subject.clear();
  EXPECT_EQ(code(Try(no_subject, hmac_)), absl::StatusCode::kUnauthenticated);

  EXPECT_EQ(code(Try(Claims("superuser", ""), hmac_)), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(code(Try(Claims("", ""), hmac_)), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(code(Try(Claims("procurator", ""), hmac_)), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(code(Try(Claims("agency_submitter", ""), rsa_private_)),
            absl::StatusCode::kPermissionDenied);

  // An RS256 token signed by another key pair under the same kid.
  auto other = common::testing::MakeRsaKeyPair();
  ASSERT_TRUE(other.ok());
  auto impostor = common::JwtKey::Rs256FromPem("idp-rsa", other->private_pem);
  ASSERT_TRUE(impostor.ok());
  EXPECT_EQ(code(Try(Claims("admin", ""), *impostor)), absl::StatusCode::kUnauthenticated);

  // Garbage that looks like a JWT.
  auto garbage = authenticator_->Authenticate("Bearer a.b.c", kNow);
  EXPECT_EQ(code(garbage), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(garbage.status().message(), Not(HasSubstr("a.b.c")));
}

// An admin rotates keys by editing the files: the running gateway picks the change up.
TEST_F(JwtAuthenticatorTest, RotatesKeysAndTokensWithoutARestart) {
  common::JwtKey next;
  next.id = "idp-next";
  next.secret = std::string(32, '\x77');
  EXPECT_EQ(Try(Claims("admin", ""), next).status().code(), absl::StatusCode::kUnauthenticated);

  Write(keys_file_, "idp-next HS256 hex:" + std::string(64, '7') + "\n");
  Write(tokens_file_, "tokens:\n  - token_sha256: " + TokenAuthenticator::Sha256Hex("api-key-2") +
                          "\n    user: admin-2\n    role: admin\n");
  absl::SleepFor(absl::Milliseconds(1100));  // files are looked at once a second at most
  EXPECT_TRUE(Try(Claims("admin", ""), next).ok());
  EXPECT_EQ(Try(Claims("admin", ""), hmac_).status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(authenticator_->Authenticate("Bearer api-key-2", kNow)->user, "admin-2");
  EXPECT_EQ(authenticator_->Authenticate("Bearer api-key-1", kNow).status().code(),
            absl::StatusCode::kUnauthenticated);

  // A broken edit keeps the last good tokens.
  Write(tokens_file_, "tokens: [oops\n");
  absl::SleepFor(absl::Milliseconds(1100));
  EXPECT_EQ(authenticator_->Authenticate("Bearer api-key-2", kNow)->user, "admin-2");
}

TEST(TokenAuthenticatorJwtSettingsTest, NeedsIssuerAudienceAndKeys) {
  v1::TokensFile file;
  auto authenticator = TokenAuthenticator::FromProto(file);
  ASSERT_TRUE(authenticator.ok());
  EXPECT_EQ(authenticator->AcceptJwt({"/nonexistent.keys", "iss", "aud", absl::Hours(1)}).code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(authenticator->AcceptJwt({"/nonexistent.keys", "", "aud", absl::Hours(1)}).code(),
            absl::StatusCode::kInvalidArgument);
  // Without AcceptJwt, a JWT-shaped token is just an unknown key.
  EXPECT_EQ(authenticator->Authenticate("Bearer a.b.c").status().code(),
            absl::StatusCode::kUnauthenticated);
}

}  // namespace
}  // namespace lifeline::gateway
