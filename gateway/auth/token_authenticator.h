// Bearer-token authentication: hashed API keys from the gateway's tokens file, and signed JWTs
// (HS256 or RS256) from an identity provider whose keys are in a key file. Both files are re-read
// when they change, so an admin rotates keys and revokes tokens without a restart.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

#include "gateway/domain/role_policy.h"
#include "lifeline/gateway/v1/gateway_config.pb.h"

namespace lifeline::common {
class FileChangeWatch;
class ReloadingKeyFile;
}  // namespace lifeline::common

namespace lifeline::gateway {

// Where JWTs come from and what they must say.
struct JwtSettings {
  std::string keys_file;  // key file (common/auth/key_file.h): HS256 secrets, RS256 public keys
  std::string issuer;     // required "iss"
  std::string audience;   // required among "aud"
  // Tokens valid for longer than this (exp − iat) are refused.
  absl::Duration max_lifetime = absl::Hours(12);
};

// Thread-safe; copies share their state.
class TokenAuthenticator {
 public:
  // Builds from a parsed tokens file (no reloading). Errors: InvalidArgument listing every bad
  // entry by index (hash not 64 hex characters, duplicate hash, missing user, unknown role,
  // missing scope).
  static absl::StatusOr<TokenAuthenticator> FromProto(const v1::TokensFile& file);

  // Loads a YAML tokens file, re-read (at most once a second) when it changes; a change that does
  // not load keeps the previous tokens and logs a warning. Errors: NotFound, InvalidArgument.
  static absl::StatusOr<TokenAuthenticator> LoadFile(const std::string& path);

  // Also accepts JWTs: a bearer token of three dot-separated parts is verified against
  // `settings` (signature by the key its "kid" names, exp, nbf, iss, aud, lifetime) and becomes
  // the principal of its claims "sub" (user), "role" and "scope" (agency, department or region
  // prefixes, as in the tokens file). Errors: InvalidArgument for missing issuer or audience,
  // those of the key file.
  absl::Status AcceptJwt(const JwtSettings& settings);

  // Authenticates an Authorization header value "Bearer <token>" at `now`. Errors:
  // Unauthenticated when the header is missing or malformed, the API key is unknown, or the JWT
  // does not verify (expired, wrong signature, issuer or audience); PermissionDenied for a valid
  // JWT whose role is unknown or lacks the scope it needs. Messages never echo the token.
  absl::StatusOr<Principal> Authenticate(std::string_view authorization, absl::Time now) const;
  absl::StatusOr<Principal> Authenticate(std::string_view authorization) const;

  // Returns the lower-case hex SHA-256 of `text`.
  static std::string Sha256Hex(std::string_view text);

  // The number of API keys in use.
  size_t size() const;

 private:
  using ByHash = std::unordered_map<std::string, Principal>;
  struct State {
    std::mutex mu;
    std::shared_ptr<const ByHash> by_hash;
    std::unique_ptr<common::FileChangeWatch> watch;  // null: no reloading
    std::string path;
    std::shared_ptr<common::ReloadingKeyFile> jwt_keys;
    JwtSettings jwt;
  };

  std::shared_ptr<const ByHash> Current() const;
  absl::StatusOr<Principal> AuthenticateJwt(std::string_view token, absl::Time now) const;

  std::shared_ptr<State> state_;
};

}  // namespace lifeline::gateway
