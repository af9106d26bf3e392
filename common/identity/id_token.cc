#include "common/identity/id_token.h"

#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

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
  EVP_MAC* hmac = EVP_MAC_fetch(nullptr, OSSL_MAC_NAME_HMAC, nullptr);
  if (hmac == nullptr) return absl::InternalError("id token: OpenSSL has no HMAC");
  std::shared_ptr<EVP_MAC_CTX> keyed(EVP_MAC_CTX_new(hmac), EVP_MAC_CTX_free);
  EVP_MAC_free(hmac);  // the context holds its own reference
  char digest_name[] = "SHA256";
  const OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest_name, 0),
      OSSL_PARAM_construct_end()};
  if (keyed == nullptr ||
      EVP_MAC_init(keyed.get(), reinterpret_cast<const unsigned char*>(secret.data()),
                   secret.size(), params) != 1) {
    return absl::InternalError("id token: OpenSSL cannot key HMAC-SHA256");
  }
  return IdTokenizer(std::move(keyed));
}

std::string IdTokenizer::Token(std::string_view canonical_id) const {
  unsigned char digest[EVP_MAX_MD_SIZE];
  size_t digest_size = 0;
  // Copying a keyed context only reads it, so concurrent calls may share it. HMAC over in-memory
  // buffers only fails on allocation failure, where continuing would produce a token that
  // collides for every input.
  std::unique_ptr<EVP_MAC_CTX, decltype(&EVP_MAC_CTX_free)> ctx(EVP_MAC_CTX_dup(keyed_.get()),
                                                                EVP_MAC_CTX_free);
  if (ctx == nullptr ||
      EVP_MAC_update(ctx.get(), reinterpret_cast<const unsigned char*>(canonical_id.data()),
                     canonical_id.size()) != 1 ||
      EVP_MAC_final(ctx.get(), digest, &digest_size, sizeof(digest)) != 1) {
    std::abort();
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string token;
  token.reserve(digest_size * 2);
  for (size_t i = 0; i < digest_size; ++i) {
    token.push_back(kHex[digest[i] >> 4]);
    token.push_back(kHex[digest[i] & 0x0f]);
  }
  return token;
}

}  // namespace lifeline::common
