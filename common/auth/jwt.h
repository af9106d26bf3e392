// JSON Web Tokens (RFC 7519) in compact form, signed with HS256 (HMAC-SHA256) or RS256
// (RSASSA-PKCS1-v1_5 with SHA-256), using OpenSSL. Only these two algorithms exist here: a token
// naming any other ("none", "HS512", ...) is refused, and a key only verifies tokens of its own
// algorithm (an RS256 public key is never used as an HMAC secret).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace lifeline::common {

enum class JwtAlgorithm { kHs256, kRs256 };

// "HS256" or "RS256".
std::string_view JwtAlgorithmName(JwtAlgorithm algorithm);

// The registered claims Lifeline reads, plus every other string-valued claim.
struct JwtClaims {
  std::string issuer;                                     // iss
  std::string subject;                                    // sub
  std::vector<std::string> audience;                      // aud (a string or a list in the token)
  absl::Time issued_at = absl::InfinitePast();            // iat; InfinitePast when absent
  absl::Time not_before = absl::InfinitePast();           // nbf; InfinitePast when absent
  absl::Time expires = absl::InfiniteFuture();            // exp; InfiniteFuture when absent
  absl::flat_hash_map<std::string, std::string> strings;  // other claims with string values
};

// One verification (or signing) key. For HS256 `secret` holds the shared secret (at least 32
// bytes); for RS256 `rsa_key` holds a public key (or a private key, which can also sign).
struct JwtKey {
  std::string id;  // the "kid" header
  JwtAlgorithm algorithm = JwtAlgorithm::kHs256;
  std::string secret;
  std::shared_ptr<void> rsa_key;  // an EVP_PKEY*, freed with EVP_PKEY_free

  // Reads an RSA key in PEM (a public key, "BEGIN PUBLIC KEY", or a private key). Errors:
  // InvalidArgument (the message never holds key material).
  static absl::StatusOr<JwtKey> Rs256FromPem(std::string id, std::string_view pem);
};

// What a verified token must carry.
struct JwtExpectations {
  std::string issuer;    // must equal iss unless empty
  std::string audience;  // must be one of aud unless empty
  absl::Time now;
  absl::Duration leeway = absl::Seconds(30);  // clock skew allowed on exp, nbf and iat
  // Tokens whose exp is further than this after their iat (or now, when no iat) are refused;
  // a stolen long-lived token is worth less. InfiniteDuration accepts any.
  absl::Duration max_lifetime = absl::InfiniteDuration();
  bool require_expiry = true;  // a token without exp is refused
};

// Signs `claims` with `key` (HS256 with its secret, RS256 with its private key). Errors:
// InvalidArgument for a key that cannot sign.
absl::StatusOr<std::string> SignJwt(const JwtClaims& claims, const JwtKey& key);

// Verifies a compact token against `keys`: the header's kid picks the key (a token without kid
// is tried against the keys of its algorithm), the algorithm must be the key's, the signature
// must hold, then exp/nbf/iat/iss/aud are checked against `expected`. Errors: Unauthenticated
// with a short reason ("token expired", "token signature does not verify", ...); the message
// never holds the token or its claims.
absl::StatusOr<JwtClaims> VerifyJwt(std::string_view token, const std::vector<JwtKey>& keys,
                                    const JwtExpectations& expected);

// Base64url without padding (RFC 4648 §5), as JWTs use.
std::string Base64UrlEncode(std::string_view bytes);
// Errors: InvalidArgument for characters outside the alphabet or a bad length.
absl::StatusOr<std::string> Base64UrlDecode(std::string_view text);

}  // namespace lifeline::common
