#include "common/identity/id_token.h"

#include <array>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include <openssl/evp.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace lifeline::common {
namespace {

constexpr size_t kMinSecretBytes = 16;
// SHA-256 works on 64-byte blocks; HMAC pads the key to one block.
constexpr size_t kBlockBytes = 64;
constexpr size_t kDigestBytes = 32;

using MdContext = std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)>;

MdContext NewContext() { return MdContext(EVP_MD_CTX_new(), EVP_MD_CTX_free); }

// HMAC over in-memory buffers only fails on allocation failure, where continuing would produce a
// token that collides for every input.
void OrDie(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

struct IdTokenizer::Keyed {
  MdContext inner = NewContext();
  MdContext outer = NewContext();
};

absl::StatusOr<IdTokenizer> IdTokenizer::Create(std::string secret) {
  if (secret.size() < kMinSecretBytes) {
    return absl::InvalidArgumentError("id token secret: must be at least 16 bytes");
  }
  // Fetched once here: EVP_sha256() would look the implementation up again on every use.
  std::unique_ptr<EVP_MD, decltype(&EVP_MD_free)> sha256(EVP_MD_fetch(nullptr, "SHA256", nullptr),
                                                         EVP_MD_free);
  if (sha256 == nullptr) return absl::InternalError("id token: OpenSSL has no SHA-256");
  // RFC 2104: a key longer than a block is hashed first; then it is zero-padded to a block.
  std::array<unsigned char, kBlockBytes> key{};
  if (secret.size() > kBlockBytes) {
    unsigned int size = 0;
    if (EVP_Digest(secret.data(), secret.size(), key.data(), &size, sha256.get(), nullptr) != 1) {
      return absl::InternalError("id token: OpenSSL cannot hash the secret");
    }
  } else {
    for (size_t i = 0; i < secret.size(); ++i) key[i] = static_cast<unsigned char>(secret[i]);
  }
  std::array<unsigned char, kBlockBytes> inner_pad{};
  std::array<unsigned char, kBlockBytes> outer_pad{};
  for (size_t i = 0; i < kBlockBytes; ++i) {
    inner_pad[i] = key[i] ^ 0x36;
    outer_pad[i] = key[i] ^ 0x5c;
  }
  auto keyed = std::make_shared<Keyed>();
  if (keyed->inner == nullptr || keyed->outer == nullptr ||
      EVP_DigestInit_ex(keyed->inner.get(), sha256.get(), nullptr) != 1 ||
      EVP_DigestUpdate(keyed->inner.get(), inner_pad.data(), inner_pad.size()) != 1 ||
      EVP_DigestInit_ex(keyed->outer.get(), sha256.get(), nullptr) != 1 ||
      EVP_DigestUpdate(keyed->outer.get(), outer_pad.data(), outer_pad.size()) != 1) {
    return absl::InternalError("id token: OpenSSL cannot key HMAC-SHA256");
  }
  return IdTokenizer(std::move(keyed));
}

std::string IdTokenizer::Token(std::string_view canonical_id) const {
  // Copying a keyed state only reads it, so concurrent calls may share keyed_; the working
  // context is the thread's own and is reused across calls and tokenizers.
  thread_local MdContext work = NewContext();
  OrDie(work != nullptr);
  unsigned char inner_digest[kDigestBytes];
  unsigned char digest[kDigestBytes];
  unsigned int size = 0;
  OrDie(EVP_MD_CTX_copy_ex(work.get(), keyed_->inner.get()) == 1 &&
        EVP_DigestUpdate(work.get(), canonical_id.data(), canonical_id.size()) == 1 &&
        EVP_DigestFinal_ex(work.get(), inner_digest, &size) == 1 && size == kDigestBytes);
  OrDie(EVP_MD_CTX_copy_ex(work.get(), keyed_->outer.get()) == 1 &&
        EVP_DigestUpdate(work.get(), inner_digest, sizeof(inner_digest)) == 1 &&
        EVP_DigestFinal_ex(work.get(), digest, &size) == 1 && size == kDigestBytes);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string token;
  token.reserve(kDigestBytes * 2);
  for (unsigned char byte : digest) {
    token.push_back(kHex[byte >> 4]);
    token.push_back(kHex[byte & 0x0f]);
  }
  return token;
}

}  // namespace lifeline::common
