#include "common/auth/caller.h"

#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

#include "common/auth/key_file.h"

namespace lifeline::common {
namespace {

constexpr char kIssuer[] = "lifeline";
constexpr char kAudience[] = "lifeline-services";

struct Installed {
  std::mutex mu;
  std::shared_ptr<const CallerTokens> tokens;
  std::string process_name = "lifeline";
};

Installed& State() {
  static Installed* state = new Installed();
  return *state;
}

std::shared_ptr<const CallerTokens> CurrentTokens() {
  Installed& state = State();
  std::lock_guard<std::mutex> lock(state.mu);
  return state.tokens;
}

std::string ReadMetadata(const grpc::ServerContextBase& context, const char* key) {
  const auto& metadata = context.client_metadata();
  auto it = metadata.find(key);
  return it == metadata.end() ? std::string() : std::string(it->second.data(), it->second.size());
}

}  // namespace

CallerTokens::~CallerTokens() = default;

absl::StatusOr<std::shared_ptr<const CallerTokens>> CallerTokens::Open(
    const std::string& key_file) {
  auto file = ReloadingKeyFile::Open(key_file);
  if (!file.ok()) return file.status();
  if ((*file)->Keys()->front().algorithm != JwtAlgorithm::kHs256) {
    return absl::InvalidArgumentError(
        absl::StrCat(key_file, ": the first key signs caller tokens and must be HS256"));
  }
  std::shared_ptr<CallerTokens> tokens(new CallerTokens());
  tokens->file_ = *std::move(file);
  return std::shared_ptr<const CallerTokens>(std::move(tokens));
}

std::shared_ptr<const CallerTokens> CallerTokens::FromKeys(std::vector<JwtKey> keys) {
  std::shared_ptr<CallerTokens> tokens(new CallerTokens());
  tokens->fixed_ = std::make_shared<const std::vector<JwtKey>>(std::move(keys));
  return tokens;
}

std::shared_ptr<const std::vector<JwtKey>> CallerTokens::Keys() const {
  return file_ != nullptr ? file_->Keys() : fixed_;
}

absl::StatusOr<std::string> CallerTokens::Sign(const Caller& caller, absl::Time now) const {
  auto keys = Keys();
  if (keys == nullptr || keys->empty()) return absl::InvalidArgumentError("no caller key");
  const std::string cache_key = absl::StrCat(caller.user, "\n", caller.role, "\n", caller.scope);
  {
    std::lock_guard<std::mutex> lock(cache_mu_);
    auto it = signed_.find(cache_key);
    if (it != signed_.end() && it->second.keys == keys && now >= it->second.issued &&
        now - it->second.issued < kLifetime / 2) {
      return it->second.token;
    }
  }
  JwtClaims claims;
  claims.issuer = kIssuer;
  claims.audience = {kAudience};
  claims.subject = caller.user;
  claims.issued_at = now;
  claims.expires = now + kLifetime;
  if (!caller.role.empty()) claims.strings["role"] = caller.role;
  if (!caller.scope.empty()) claims.strings["scope"] = caller.scope;
  absl::StatusOr<std::string> token = SignJwt(claims, keys->front());
  if (token.ok()) {
    std::lock_guard<std::mutex> lock(cache_mu_);
    if (signed_.size() >= kMaxCached) signed_.clear();
    signed_[cache_key] = Signed{*token, now, keys};
  }
  return token;
}

absl::StatusOr<Caller> CallerTokens::Verify(std::string_view token, absl::Time now) const {
  auto keys = Keys();
  if (keys == nullptr) return absl::UnauthenticatedError("no caller key");
  {
    std::lock_guard<std::mutex> lock(cache_mu_);
    auto it = verified_.find(std::string(token));
    if (it != verified_.end() && it->second.keys == keys) {
      // The same checks a fresh verification's expiry makes (with its leeway).
      if (now < it->second.expires + absl::Seconds(30)) return it->second.caller;
      verified_.erase(it);
      return absl::UnauthenticatedError("token expired");
    }
  }
  JwtExpectations expected;
  expected.issuer = kIssuer;
  expected.audience = kAudience;
  expected.now = now;
  expected.max_lifetime = kLifetime;
  auto claims = VerifyJwt(token, *keys, expected);
  if (!claims.ok()) return claims.status();
  Caller caller;
  caller.user = claims->subject;
  if (auto it = claims->strings.find("role"); it != claims->strings.end()) caller.role = it->second;
  if (auto it = claims->strings.find("scope"); it != claims->strings.end()) {
    caller.scope = it->second;
  }
  std::lock_guard<std::mutex> lock(cache_mu_);
  if (verified_.size() >= kMaxCached) verified_.clear();
  verified_[std::string(token)] = Verified{caller, claims->expires, keys};
  return caller;
}

void InstallCallerTokens(std::shared_ptr<const CallerTokens> tokens, std::string process_name) {
  Installed& state = State();
  std::lock_guard<std::mutex> lock(state.mu);
  state.tokens = std::move(tokens);
  state.process_name = std::move(process_name);
}

bool CallerTokensRequired() { return CurrentTokens() != nullptr; }

absl::StatusOr<Caller> AuthenticateCaller(const grpc::ServerContextBase& context) {
  if (auto tokens = CurrentTokens(); tokens != nullptr) {
    const std::string token = ReadMetadata(context, kCallerTokenHeader);
    if (token.empty()) return absl::UnauthenticatedError("no caller token");
    auto caller = tokens->Verify(token, absl::Now());
    if (!caller.ok()) {
      return absl::UnauthenticatedError(
          absl::StrCat("caller token refused: ", caller.status().message()));
    }
    return caller;
  }
  Caller caller;
  caller.user = ReadMetadata(context, kCallerUserHeader);
  caller.role = ReadMetadata(context, kCallerRoleHeader);
  caller.scope = ReadMetadata(context, kCallerScopeHeader);
  return caller;
}

absl::Status AttachCaller(const Caller& caller, grpc::ClientContext* context) {
  if (auto tokens = CurrentTokens(); tokens != nullptr) {
    auto token = tokens->Sign(caller, absl::Now());
    if (!token.ok()) {
      return absl::InternalError(
          absl::StrCat("cannot sign the caller token: ", token.status().message()));
    }
    context->AddMetadata(kCallerTokenHeader, *token);
    return absl::OkStatus();
  }
  if (!caller.user.empty()) context->AddMetadata(kCallerUserHeader, caller.user);
  if (!caller.role.empty()) context->AddMetadata(kCallerRoleHeader, caller.role);
  if (!caller.scope.empty()) context->AddMetadata(kCallerScopeHeader, caller.scope);
  return absl::OkStatus();
}

Caller InternalCaller() {
  Installed& state = State();
  std::lock_guard<std::mutex> lock(state.mu);
  return Caller{state.process_name, "", ""};
}

}  // namespace lifeline::common
