// Keyed tokens for ID numbers: HMAC-SHA256 with a deployment secret, so that tokens cannot be
// reversed by enumerating the small space of valid numbers.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "absl/status/statusor.h"

struct evp_mac_ctx_st;  // OpenSSL's EVP_MAC_CTX

namespace lifeline::common {

// Computes keyed tokens. Thread-safe (immutable after creation); copies share the keyed state.
class IdTokenizer {
 public:
  // Creates a tokenizer. Errors: InvalidArgument if the secret is shorter than 16 bytes;
  // Internal if OpenSSL cannot provide HMAC-SHA256.
  static absl::StatusOr<IdTokenizer> Create(std::string secret);

  // Returns the lower-case hex HMAC-SHA256 of `canonical_id` (64 characters).
  std::string Token(std::string_view canonical_id) const;

 private:
  explicit IdTokenizer(std::shared_ptr<const evp_mac_ctx_st> keyed) : keyed_(std::move(keyed)) {}
  // An HMAC-SHA256 context already keyed with the secret and never updated: each token works on
  // a copy, which is several times cheaper than fetching the algorithm and keying it per call.
  std::shared_ptr<const evp_mac_ctx_st> keyed_;
};

}  // namespace lifeline::common
