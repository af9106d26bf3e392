// Bearer-token authentication against the gateway's tokens file.
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>

#include "absl/status/statusor.h"

#include "gateway/domain/role_policy.h"
#include "lifeline/gateway/v1/gateway_config.pb.h"

namespace lifeline::gateway {

// Maps the SHA-256 of each accepted bearer token to its caller. Immutable after construction;
// thread-safe.
class TokenAuthenticator {
 public:
  // Builds from a parsed tokens file. Errors: InvalidArgument listing every bad entry by index
  // (hash not 64 hex characters, duplicate hash, missing user, unknown role, missing scope).
  static absl::StatusOr<TokenAuthenticator> FromProto(const v1::TokensFile& file);

  // Loads a YAML tokens file. Errors: NotFound, InvalidArgument.
  static absl::StatusOr<TokenAuthenticator> LoadFile(const std::string& path);

  // Authenticates an Authorization header value "Bearer <token>". Errors: Unauthenticated when
  // the header is missing, malformed or the token is unknown (the message never echoes it).
  absl::StatusOr<Principal> Authenticate(std::string_view authorization) const;

  // Returns the lower-case hex SHA-256 of `text`.
  static std::string Sha256Hex(std::string_view text);

  size_t size() const { return by_hash_.size(); }

 private:
  std::unordered_map<std::string, Principal> by_hash_;
};

}  // namespace lifeline::gateway
