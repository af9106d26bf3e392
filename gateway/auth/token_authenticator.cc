#include "gateway/auth/token_authenticator.h"

#include <algorithm>
#include <memory>
#include <mutex>
#include <vector>

#include <openssl/evp.h>
#include <spdlog/spdlog.h>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

#include "common/auth/jwt.h"
#include "common/auth/key_file.h"
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
  auto by_hash = std::make_shared<ByHash>();
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
      problems.push_back(absl::StrCat(where,
                                      ".role must be one of agency_submitter, procurator, "
                                      "chief_procurator, partner, admin, auditor"));
      ok = false;
    } else if (RoleNeedsScope(token.role()) && token.scope().empty()) {
      problems.push_back(absl::StrCat(where, ".scope is required for role ", token.role()));
      ok = false;
    }
    if (!ok) continue;
    Principal principal{token.user(), token.role(), token.scope()};
    if (!by_hash->emplace(hash, std::move(principal)).second) {
      problems.push_back(absl::StrCat(where, ".token_sha256 repeats an earlier token"));
    }
  }
  if (!problems.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("tokens file: ", absl::StrJoin(problems, "; ")));
  }
  TokenAuthenticator authenticator;
  authenticator.state_ = std::make_shared<State>();
  authenticator.state_->by_hash = std::move(by_hash);
  return authenticator;
}

absl::StatusOr<TokenAuthenticator> TokenAuthenticator::LoadFile(const std::string& path) {
  auto watch = std::make_unique<common::FileChangeWatch>(path, absl::Seconds(1));
  v1::TokensFile file;
  if (absl::Status status = common::LoadYamlProto(path, &file); !status.ok()) return status;
  auto authenticator = FromProto(file);
  if (!authenticator.ok()) return authenticator.status();
  authenticator->state_->watch = std::move(watch);
  authenticator->state_->path = path;
  return authenticator;
}

absl::Status TokenAuthenticator::AcceptJwt(const JwtSettings& settings) {
  if (settings.issuer.empty() || settings.audience.empty()) {
    return absl::InvalidArgumentError("JWTs need an issuer and an audience to check");
  }
  auto keys = common::ReloadingKeyFile::Open(settings.keys_file);
  if (!keys.ok()) return keys.status();
  std::lock_guard<std::mutex> lock(state_->mu);
  state_->jwt_keys = std::shared_ptr<common::ReloadingKeyFile>(*std::move(keys));
  state_->jwt = settings;
  return absl::OkStatus();
}

size_t TokenAuthenticator::size() const { return Current()->size(); }

std::shared_ptr<const TokenAuthenticator::ByHash> TokenAuthenticator::Current() const {
  std::lock_guard<std::mutex> lock(state_->mu);
  if (state_->watch == nullptr || !state_->watch->Changed(absl::Now())) return state_->by_hash;
  v1::TokensFile file;
  absl::Status status = common::LoadYamlProto(state_->path, &file);
  absl::StatusOr<TokenAuthenticator> reloaded =
      status.ok() ? FromProto(file) : absl::StatusOr<TokenAuthenticator>(status);
  if (!reloaded.ok()) {
    spdlog::warn("event=tokens_file_reload_failed path={} error=\"{}\" keeping={}", state_->path,
                 std::string(reloaded.status().message()), state_->by_hash->size());
    return state_->by_hash;
  }
  state_->by_hash = reloaded->state_->by_hash;
  spdlog::info("event=tokens_file_reloaded path={} tokens={}", state_->path,
               state_->by_hash->size());
  return state_->by_hash;
}

absl::StatusOr<Principal> TokenAuthenticator::AuthenticateJwt(std::string_view token,
                                                              absl::Time now) const {
  std::shared_ptr<common::ReloadingKeyFile> keys;
  JwtSettings settings;
  {
    std::lock_guard<std::mutex> lock(state_->mu);
    keys = state_->jwt_keys;
    settings = state_->jwt;
  }
  if (keys == nullptr) return absl::UnauthenticatedError("unknown or revoked token");
  common::JwtExpectations expected;
  expected.issuer = settings.issuer;
  expected.audience = settings.audience;
  expected.now = now;
  expected.max_lifetime = settings.max_lifetime;
  auto claims = common::VerifyJwt(token, *keys->Keys(), expected);
  if (!claims.ok()) return claims.status();
  Principal principal;
  principal.user = claims->subject;
  if (auto it = claims->strings.find("role"); it != claims->strings.end())
    principal.role = it->second;
  if (auto it = claims->strings.find("scope"); it != claims->strings.end()) {
    principal.scope = it->second;
  }
  if (principal.user.empty()) return absl::UnauthenticatedError("token has no subject");
  if (!IsKnownRole(principal.role)) {
    return absl::PermissionDeniedError("token role is not a Lifeline role");
  }
  if (RoleNeedsScope(principal.role) && principal.scope.empty()) {
    return absl::PermissionDeniedError(
        absl::StrCat("token role ", principal.role, " needs a scope claim"));
  }
  return principal;
}

absl::StatusOr<Principal> TokenAuthenticator::Authenticate(std::string_view authorization) const {
  return Authenticate(authorization, absl::Now());
}

absl::StatusOr<Principal> TokenAuthenticator::Authenticate(std::string_view authorization,
                                                           absl::Time now) const {
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
  // A JWT is three base64url parts; an API key never holds a dot.
  if (std::count(token.begin(), token.end(), '.') == 2) return AuthenticateJwt(token, now);
  std::shared_ptr<const ByHash> by_hash = Current();
  auto it = by_hash->find(Sha256Hex(token));
  if (it == by_hash->end()) return absl::UnauthenticatedError("unknown or revoked token");
  return it->second;
}

}  // namespace lifeline::gateway
