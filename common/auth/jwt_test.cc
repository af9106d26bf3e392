#include "common/auth/jwt.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"

#include "common/testing/test_pki.h"

namespace lifeline::common {
using testing::MakeRsaKeyPair;

namespace {

const absl::Time kNow = absl::FromUnixSeconds(1796000000);

JwtKey Hs256(std::string id, char fill = 'k') {
  JwtKey key;
  key.id = std::move(id);
  key.algorithm = JwtAlgorithm::kHs256;
  key.secret = std::string(32, fill);
  return key;
}

JwtClaims Claims() {
  JwtClaims claims;
  claims.issuer = "https://idp.example";
  claims.subject = "reviewer-1";
  claims.audience = {"lifeline"};
  claims.issued_at = kNow;
  claims.expires = kNow + absl::Minutes(10);
  claims.strings["role"] = "procurator";
  return claims;
}

JwtExpectations Expect() {
  JwtExpectations expected;
  expected.issuer = "https://idp.example";
  expected.audience = "lifeline";
  expected.now = kNow + absl::Minutes(1);
  return expected;
}

TEST(Base64UrlTest, RoundTripsEveryLength) {
  std::string bytes;
  for (int i = 0; i < 40; ++i) {
    auto decoded = Base64UrlDecode(Base64UrlEncode(bytes));
    ASSERT_TRUE(decoded.ok()) << i;
    EXPECT_EQ(*decoded, bytes);
    bytes.push_back(static_cast<char>(i * 37 + 200));
  }
  EXPECT_EQ(Base64UrlEncode("\xfb\xff"), "-_8");
  EXPECT_FALSE(Base64UrlDecode("a+b/").ok());
  EXPECT_FALSE(Base64UrlDecode("abcde").ok());
  EXPECT_FALSE(Base64UrlDecode("-_9").ok());  // non-zero tail bits
}

// RFC 7515 appendix A.1: HS256 over a known header and payload with a known key.
TEST(JwtTest, VerifiesTheRfc7515Hs256Example) {
  const std::string token =
      "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9."
      "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVl"
      "fQ."
      "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
  auto secret = Base64UrlDecode(
      "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow");
  ASSERT_TRUE(secret.ok());
  JwtKey key;
  key.algorithm = JwtAlgorithm::kHs256;
  key.secret = *secret;
  JwtExpectations expected;
  expected.now = absl::FromUnixSeconds(1300819380 - 60);
  auto claims = VerifyJwt(token, {key}, expected);
  ASSERT_TRUE(claims.ok()) << claims.status();
  EXPECT_EQ(claims->issuer, "joe");
  EXPECT_EQ(claims->expires, absl::FromUnixSeconds(1300819380));

  expected.now = absl::FromUnixSeconds(1300819380 + 31);
  EXPECT_EQ(VerifyJwt(token, {key}, expected).status().message(), "token expired");
  key.secret[0] ^= 1;
  expected.now = absl::FromUnixSeconds(1300819380 - 60);
  EXPECT_EQ(VerifyJwt(token, {key}, expected).status().message(),
            "token signature does not verify");
}

TEST(JwtTest, Hs256RoundTripKeepsTheClaims) {
  auto token = SignJwt(Claims(), Hs256("k1"));
  ASSERT_TRUE(token.ok()) << token.status();
  auto claims = VerifyJwt(*token, {Hs256("k0", 'x'), Hs256("k1")}, Expect());
  ASSERT_TRUE(claims.ok()) << claims.status();
  EXPECT_EQ(claims->subject, "reviewer-1");
  EXPECT_EQ(claims->strings.at("role"), "procurator");
  EXPECT_EQ(claims->expires, kNow + absl::Minutes(10));
  EXPECT_EQ(claims->audience, std::vector<std::string>{"lifeline"});
}

TEST(JwtTest, RefusesWhatItMustRefuse) {
  auto token = SignJwt(Claims(), Hs256("k1"));
  ASSERT_TRUE(token.ok());
  auto message = [](const absl::StatusOr<JwtClaims>& r) {
    EXPECT_EQ(r.status().code(), absl::StatusCode::kUnauthenticated);
    return std::string(r.status().message());
  };
  EXPECT_EQ(message(VerifyJwt(*token, {Hs256("k1", 'z')}, Expect())),
            "token signature does not verify");
  EXPECT_EQ(message(VerifyJwt(*token, {Hs256("k2")}, Expect())), "token key is unknown");
  JwtExpectations late = Expect();
  late.now = kNow + absl::Minutes(11);
  EXPECT_EQ(message(VerifyJwt(*token, {Hs256("k1")}, late)), "token expired");
  JwtExpectations audience = Expect();
  audience.audience = "someone-else";
  EXPECT_EQ(message(VerifyJwt(*token, {Hs256("k1")}, audience)),
            "token audience is not this service");
  JwtExpectations issuer = Expect();
  issuer.issuer = "https://other.example";
  EXPECT_EQ(message(VerifyJwt(*token, {Hs256("k1")}, issuer)), "token issuer is not accepted");
  JwtExpectations short_lived = Expect();
  short_lived.max_lifetime = absl::Minutes(2);
  EXPECT_EQ(message(VerifyJwt(*token, {Hs256("k1")}, short_lived)), "token lifetime too long");

  JwtClaims future = Claims();
  future.not_before = kNow + absl::Minutes(5);
  auto early = SignJwt(future, Hs256("k1"));
  ASSERT_TRUE(early.ok());
  EXPECT_EQ(message(VerifyJwt(*early, {Hs256("k1")}, Expect())), "token not yet valid");

  JwtClaims forever = Claims();
  forever.expires = absl::InfiniteFuture();
  auto no_exp = SignJwt(forever, Hs256("k1"));
  ASSERT_TRUE(no_exp.ok());
  EXPECT_EQ(message(VerifyJwt(*no_exp, {Hs256("k1")}, Expect())), "token has no expiry");

  // A changed payload under the old signature.
  std::vector<std::string> parts = absl::StrSplit(*token, '.');
  JwtClaims admin = Claims();
  admin.strings["role"] = "admin";
  auto other = SignJwt(admin, Hs256("k1", 'q'));
  ASSERT_TRUE(other.ok());
  std::vector<std::string> other_parts = absl::StrSplit(*other, '.');
  EXPECT_EQ(message(VerifyJwt(absl::StrCat(parts[0], ".", other_parts[1], ".", parts[2]),
                              {Hs256("k1")}, Expect())),
            "token signature does not verify");

  // "none" and unknown algorithms, garbage, empty.
  const std::string none_header = Base64UrlEncode(R"({"alg":"none","kid":"k1"})");
  EXPECT_EQ(
      message(VerifyJwt(absl::StrCat(none_header, ".", parts[1], "."), {Hs256("k1")}, Expect())),
      "token algorithm is not HS256 or RS256");
  EXPECT_EQ(message(VerifyJwt("a.b", {Hs256("k1")}, Expect())), "token is not a compact JWT");
  EXPECT_EQ(message(VerifyJwt("a+.b.c", {Hs256("k1")}, Expect())), "token is not base64url");
  EXPECT_EQ(message(VerifyJwt("", {Hs256("k1")}, Expect())), "no token");
  EXPECT_EQ(message(VerifyJwt(std::string(9000, 'a'), {Hs256("k1")}, Expect())), "token too long");
  EXPECT_EQ(
      message(VerifyJwt(absl::StrCat(Base64UrlEncode("{not json"), ".", parts[1], ".", parts[2]),
                        {Hs256("k1")}, Expect())),
      "token is not well-formed JSON");
}

TEST(JwtTest, ShortSecretsDoNotSign) {
  JwtKey key = Hs256("k1");
  key.secret = "short";
  EXPECT_EQ(SignJwt(Claims(), key).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(JwtTest, Rs256SignsWithThePrivateAndVerifiesWithThePublicKey) {
  auto pair = MakeRsaKeyPair();
  ASSERT_TRUE(pair.ok()) << pair.status();
  auto private_key = JwtKey::Rs256FromPem("idp-1", pair->private_pem);
  auto public_key = JwtKey::Rs256FromPem("idp-1", pair->public_pem);
  ASSERT_TRUE(private_key.ok()) << private_key.status();
  ASSERT_TRUE(public_key.ok()) << public_key.status();
  auto token = SignJwt(Claims(), *private_key);
  ASSERT_TRUE(token.ok()) << token.status();
  auto claims = VerifyJwt(*token, {*public_key}, Expect());
  ASSERT_TRUE(claims.ok()) << claims.status();
  EXPECT_EQ(claims->subject, "reviewer-1");

  // A public key cannot sign; another key pair does not verify.
  EXPECT_FALSE(SignJwt(Claims(), *public_key).ok());
  auto other = MakeRsaKeyPair();
  ASSERT_TRUE(other.ok());
  auto other_public = JwtKey::Rs256FromPem("idp-1", other->public_pem);
  ASSERT_TRUE(other_public.ok());
  EXPECT_EQ(VerifyJwt(*token, {*other_public}, Expect()).status().message(),
            "token signature does not verify");
}

// The algorithm-confusion attack: an HS256 token whose "secret" is the RSA public key's PEM text
// must not verify against the RS256 key.
TEST(JwtTest, AnRsaPublicKeyIsNeverAnHmacSecret) {
  auto pair = MakeRsaKeyPair();
  ASSERT_TRUE(pair.ok());
  auto public_key = JwtKey::Rs256FromPem("idp-1", pair->public_pem);
  ASSERT_TRUE(public_key.ok());
  JwtKey forged;
  forged.id = "idp-1";
  forged.algorithm = JwtAlgorithm::kHs256;
  forged.secret = pair->public_pem;
  auto token = SignJwt(Claims(), forged);
  ASSERT_TRUE(token.ok());
  EXPECT_EQ(VerifyJwt(*token, {*public_key}, Expect()).status().message(), "token key is unknown");
}

TEST(JwtTest, BadPemIsRefusedWithoutEchoingIt) {
  auto key = JwtKey::Rs256FromPem("idp-1", "-----BEGIN PUBLIC KEY-----\nc2VjcmV0\n");
  ASSERT_FALSE(key.ok());
  EXPECT_EQ(key.status().message().find("c2VjcmV0"), std::string::npos);
  auto small = MakeRsaKeyPair(1024);
  ASSERT_TRUE(small.ok());
  EXPECT_FALSE(JwtKey::Rs256FromPem("idp-1", small->public_pem).ok());
}

}  // namespace
}  // namespace lifeline::common
