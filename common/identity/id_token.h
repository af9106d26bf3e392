// Keyed tokens for ID numbers: HMAC-SHA256 with a deployment secret, so that tokens cannot be
// reversed by enumerating the small space of valid numbers.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "absl/status/statusor.h"

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
  // SHA-256 states that have absorbed the secret XOR the HMAC inner and outer pads (RFC 2104).
  struct Keyed;
  explicit IdTokenizer(std::shared_ptr<const Keyed> keyed) : keyed_(std::move(keyed)) {}
  // Never updated after Create: each token copies the two states into a per-thread context.
  // That is three times cheaper than copying a keyed EVP_MAC context, which duplicates three
  // digest contexts and allocates each.
  std::shared_ptr<const Keyed> keyed_;
};

}  // namespace lifeline::common
