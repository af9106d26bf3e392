#include "common/auth/caller.h"

#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace lifeline::common {
namespace {

JwtKey Key(std::string id, char fill) {
  JwtKey key;
  key.id = std::move(id);
  key.secret = std::string(32, fill);
  return key;
}

TEST(CallerTokensTest, RoundTripsTheCaller) {
  auto tokens = CallerTokens::FromKeys({Key("k1", 'a')});
  const absl::Time now = absl::Now();
  auto token = tokens->Sign({"reviewer-1", kRoleProcurator, "3415,3416"}, now);
  ASSERT_TRUE(token.ok()) << token.status();
  auto caller = tokens->Verify(*token, now + absl::Seconds(30));
  ASSERT_TRUE(caller.ok()) << caller.status();
  EXPECT_EQ(caller->user, "reviewer-1");
  EXPECT_EQ(caller->role, kRoleProcurator);
  EXPECT_EQ(caller->scope, "3415,3416");
  EXPECT_FALSE(caller->internal());

  auto internal = tokens->Sign({"ingest-service", "", ""}, now);
  ASSERT_TRUE(internal.ok());
  EXPECT_TRUE(tokens->Verify(*internal, now)->internal());
}

// A principal's token is reused for half its life (the gateway sends many a second) and a
// remembered verification still ends at the token's expiry.
TEST(CallerTokensTest, ReusesTokensWithinHalfTheirLifeAndStillExpiresThem) {
  auto tokens = CallerTokens::FromKeys({Key("k1", 'a')});
  const absl::Time now = absl::Now();
  auto first = tokens->Sign({"u", kRoleProcurator, "34"}, now);
  auto again = tokens->Sign({"u", kRoleProcurator, "34"}, now + absl::Seconds(30));
  auto later = tokens->Sign({"u", kRoleProcurator, "34"}, now + CallerTokens::kLifetime / 2);
  auto other = tokens->Sign({"u", kRoleProcurator, "3401"}, now);
  ASSERT_TRUE(first.ok() && again.ok() && later.ok() && other.ok());
  EXPECT_EQ(*first, *again);
  EXPECT_NE(*first, *later);
  EXPECT_NE(*first, *other);
  ASSERT_TRUE(tokens->Verify(*first, now).ok());
  EXPECT_EQ(tokens->Verify(*first, now + absl::Seconds(60))->scope, "34");
  EXPECT_EQ(
      tokens->Verify(*first, now + CallerTokens::kLifetime + absl::Minutes(1)).status().code(),
      absl::StatusCode::kUnauthenticated);
  // Another key set does not take the remembered answer.
  auto rotated = CallerTokens::FromKeys({Key("k1", 'b')});
  EXPECT_FALSE(rotated->Verify(*first, now).ok());
}

TEST(CallerTokensTest, RefusesOldAndForeignTokens) {
  auto tokens = CallerTokens::FromKeys({Key("k1", 'a')});
  auto other = CallerTokens::FromKeys({Key("k1", 'b')});
  const absl::Time now = absl::Now();
  auto token = tokens->Sign({"u", kRoleAdmin, ""}, now);
  ASSERT_TRUE(token.ok());
  EXPECT_EQ(
      tokens->Verify(*token, now + CallerTokens::kLifetime + absl::Minutes(1)).status().code(),
      absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(other->Verify(*token, now).status().message(), "token signature does not verify");

  // A token from another issuer or for another audience, even with the right key, is refused.
  JwtClaims claims;
  claims.issuer = "lifeline";
  claims.audience = {"somewhere-else"};
  claims.issued_at = now;
  claims.expires = now + absl::Minutes(1);
  auto foreign = SignJwt(claims, Key("k1", 'a'));
  ASSERT_TRUE(foreign.ok());
  EXPECT_EQ(tokens->Verify(*foreign, now).status().message(), "token audience is not this service");
  // A long-lived token is refused.
  claims.audience = {"lifeline-services"};
  claims.expires = now + absl::Hours(24);
  auto long_lived = SignJwt(claims, Key("k1", 'a'));
  ASSERT_TRUE(long_lived.ok());
  EXPECT_EQ(tokens->Verify(*long_lived, now).status().message(), "token lifetime too long");
}

}  // namespace
}  // namespace lifeline::common
