// Keyed tokens for ID numbers: HMAC-SHA256 with a deployment secret, so that tokens cannot be
// reversed by enumerating the small space of valid numbers.
#pragma once

#include <string>
#include <string_view>
#include <utility>

#include "absl/status/statusor.h"

namespace lifeline::common {

// Computes keyed tokens. Thread-safe (immutable after creation).
class IdTokenizer {
 public:
  // Creates a tokenizer. Errors: InvalidArgument if the secret is shorter than 16 bytes.
  static absl::StatusOr<IdTokenizer> Create(std::string secret);

  // Returns the lower-case hex HMAC-SHA256 of `canonical_id` (64 characters).
  std::string Token(std::string_view canonical_id) const;

 private:
  explicit IdTokenizer(std::string secret) : secret_(std::move(secret)) {}
  std::string secret_;
};

}  // namespace lifeline::common
