#include "common/identity/id_token.h"

#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace lifeline::common {
namespace {

constexpr size_t kMinSecretBytes = 16;

}  // namespace

absl::StatusOr<IdTokenizer> IdTokenizer::Create(std::string secret) {
  if (secret.size() < kMinSecretBytes) {
    return absl::InvalidArgumentError("id token secret: must be at least 16 bytes");
  }
  return IdTokenizer(std::move(secret));
}

std::string IdTokenizer::Token(std::string_view canonical_id) const {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_size = 0;
  // HMAC with a valid built-in digest and in-memory buffers only fails on allocation failure,
  // where continuing would produce a token that collides for every input.
  const unsigned char* ok = HMAC(EVP_sha256(), secret_.data(), static_cast<int>(secret_.size()),
                                 reinterpret_cast<const unsigned char*>(canonical_id.data()),
                                 canonical_id.size(), digest, &digest_size);
  if (ok == nullptr) std::abort();
  static constexpr char kHex[] = "0123456789abcdef";
  std::string token;
  token.reserve(digest_size * 2);
  for (unsigned int i = 0; i < digest_size; ++i) {
    token.push_back(kHex[digest[i] >> 4]);
    token.push_back(kHex[digest[i] & 0x0f]);
  }
  return token;
}

}  // namespace lifeline::common
