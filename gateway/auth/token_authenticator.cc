#include "gateway/auth/token_authenticator.h"

#include <vector>

#include <openssl/evp.h>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

#include "common/config/yaml_proto.h"
#include "gateway/domain/text.h"

namespace lifeline::gateway {
namespace {

bool IsLowerHex64(std::string_view text) {
  if (text.size() != 64) return false;
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace

std::string TokenAuthenticator::Sha256Hex(std::string_view text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(text.data(), text.size(), digest, &length, EVP_sha256(), nullptr) != 1) {
    return std::string();
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(length * 2);
  for (unsigned int i = 0; i < length; ++i) {
    hex.push_back(kHex[digest[i] >> 4]);
    hex.push_back(kHex[digest[i] & 0x0f]);
  }
  return hex;
}

absl::StatusOr<TokenAuthenticator> TokenAuthenticator::FromProto(const v1::TokensFile& file) {
  TokenAuthenticator authenticator;
  std::vector<std::string> problems;
  for (int i = 0; i < file.tokens_size(); ++i) {
    const v1::Token& token = file.tokens(i);
    const std::string where = absl::StrCat("tokens[", i, "]");
    const std::string hash = LowerAscii(token.token_sha256());
    bool ok = true;
    if (!IsLowerHex64(hash)) {
      problems.push_back(absl::StrCat(where, ".token_sha256 must be 64 hex characters"));
      ok = false;
    }
    if (token.user().empty()) {
      problems.push_back(absl::StrCat(where, ".user is required"));
      ok = false;
    }
    if (!IsKnownRole(token.role())) {
      problems.push_back(
          absl::StrCat(where, ".role must be one of agency_submitter, procurator, partner, admin"));
      ok = false;
    } else if (RoleNeedsScope(token.role()) && token.scope().empty()) {
      problems.push_back(absl::StrCat(where, ".scope is required for role ", token.role()));
      ok = false;
    }
    if (!ok) continue;
    Principal principal{token.user(), token.role(), token.scope()};
    if (!authenticator.by_hash_.emplace(hash, std::move(principal)).second) {
      problems.push_back(absl::StrCat(where, ".token_sha256 repeats an earlier token"));
    }
  }
  if (!problems.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("tokens file: ", absl::StrJoin(problems, "; ")));
  }
  return authenticator;
}

absl::StatusOr<TokenAuthenticator> TokenAuthenticator::LoadFile(const std::string& path) {
  v1::TokensFile file;
  if (absl::Status status = common::LoadYamlProto(path, &file); !status.ok()) return status;
  return FromProto(file);
}

absl::StatusOr<Principal> TokenAuthenticator::Authenticate(std::string_view authorization) const {
  if (authorization.empty()) {
    return absl::UnauthenticatedError("missing Authorization: Bearer token");
  }
  constexpr std::string_view kScheme = "bearer ";
  if (authorization.size() <= kScheme.size() ||
      LowerAscii(authorization.substr(0, kScheme.size())) != kScheme) {
    return absl::UnauthenticatedError("Authorization header must be \"Bearer <token>\"");
  }
  const std::string_view token = StripWhitespace(authorization.substr(kScheme.size()));
  if (token.empty()) {
    return absl::UnauthenticatedError("Authorization header must be \"Bearer <token>\"");
  }
  auto it = by_hash_.find(Sha256Hex(token));
  if (it == by_hash_.end()) return absl::UnauthenticatedError("unknown or revoked token");
  return it->second;
}

}  // namespace lifeline::gateway
