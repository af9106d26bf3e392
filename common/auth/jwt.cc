#include "common/auth/jwt.h"

#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"

namespace lifeline::common {
namespace {

// Tokens longer than this are refused before any parsing.
constexpr size_t kMaxTokenBytes = 8192;
// HS256 secrets shorter than this are refused (RFC 7518 §3.2: at least the hash size).
constexpr size_t kMinHmacSecretBytes = 32;

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int DecodeChar(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '-') return 62;
  if (c == '_') return 63;
  return -1;
}

absl::Status Unauthenticated(std::string_view reason) {
  return absl::UnauthenticatedError(std::string(reason));
}

EVP_PKEY* PkeyOf(const JwtKey& key) { return static_cast<EVP_PKEY*>(key.rsa_key.get()); }

absl::StatusOr<std::string> HmacSha256(std::string_view secret, std::string_view data) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
           reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac,
           &length) == nullptr) {
    return absl::InternalError("HMAC-SHA256 failed");
  }
  return std::string(reinterpret_cast<const char*>(mac), length);
}

absl::StatusOr<std::string> RsaSign(EVP_PKEY* pkey, std::string_view data) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  size_t length = 0;
  if (ctx == nullptr || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, pkey) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &length,
                     reinterpret_cast<const unsigned char*>(data.data()), data.size()) != 1) {
    return absl::InvalidArgumentError("the RS256 key cannot sign (not a private key)");
  }
  std::string signature(length, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &length,
                     reinterpret_cast<const unsigned char*>(data.data()), data.size()) != 1) {
    return absl::InvalidArgumentError("the RS256 key cannot sign (not a private key)");
  }
  signature.resize(length);
  return signature;
}

bool RsaVerify(EVP_PKEY* pkey, std::string_view data, std::string_view signature) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  return ctx != nullptr &&
         EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, pkey) == 1 &&
         EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                          signature.size(), reinterpret_cast<const unsigned char*>(data.data()),
                          data.size()) == 1;
}

std::string ToJson(const google::protobuf::Struct& object) {
  std::string json;
  // A Struct of strings, numbers and lists always prints.
  (void)google::protobuf::util::MessageToJsonString(object, &json);
  return json;
}

absl::StatusOr<google::protobuf::Struct> ParseJsonObject(std::string_view json) {
  google::protobuf::Struct object;
  if (!google::protobuf::util::JsonStringToMessage(std::string(json), &object).ok()) {
    return Unauthenticated("token is not well-formed JSON");
  }
  return object;
}

// Reads a NumericDate claim (seconds since the epoch). Absent leaves `*time` unchanged.
absl::Status ReadTime(const google::protobuf::Struct& payload, const char* name, absl::Time* time) {
  auto it = payload.fields().find(name);
  if (it == payload.fields().end()) return absl::OkStatus();
  if (it->second.kind_case() != google::protobuf::Value::kNumberValue ||
      !std::isfinite(it->second.number_value()) || std::abs(it->second.number_value()) > 1e12) {
    return Unauthenticated(absl::StrCat("token claim ", name, " is not a date"));
  }
  *time = absl::FromUnixSeconds(static_cast<int64_t>(it->second.number_value()));
  return absl::OkStatus();
}

}  // namespace

std::string_view JwtAlgorithmName(JwtAlgorithm algorithm) {
  return algorithm == JwtAlgorithm::kHs256 ? "HS256" : "RS256";
}

absl::StatusOr<JwtKey> JwtKey::Rs256FromPem(std::string id, std::string_view pem) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), BIO_free);
  if (bio == nullptr) return absl::InternalError("cannot read the PEM text");
  EVP_PKEY* pkey = nullptr;
  if (pem.find("PRIVATE KEY") != std::string_view::npos) {
    pkey = PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr);
  } else {
    pkey = PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr);
  }
  if (pkey == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat("key ", id, " is not a PEM RSA key"));
  }
  JwtKey key;
  key.id = std::move(id);
  key.algorithm = JwtAlgorithm::kRs256;
  key.rsa_key =
      std::shared_ptr<void>(pkey, [](void* p) { EVP_PKEY_free(static_cast<EVP_PKEY*>(p)); });
  if (EVP_PKEY_get_base_id(pkey) != EVP_PKEY_RSA || EVP_PKEY_get_bits(pkey) < 2048) {
    return absl::InvalidArgumentError(
        absl::StrCat("key ", key.id, " is not an RSA key of at least 2048 bits"));
  }
  return key;
}

std::string Base64UrlEncode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() * 4 + 2) / 3);
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const uint32_t n = (static_cast<uint8_t>(bytes[i]) << 16) |
                       (static_cast<uint8_t>(bytes[i + 1]) << 8) |
                       static_cast<uint8_t>(bytes[i + 2]);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += kAlphabet[n & 63];
  }
  if (bytes.size() - i == 1) {
    const uint32_t n = static_cast<uint8_t>(bytes[i]) << 16;
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
  } else if (bytes.size() - i == 2) {
    const uint32_t n =
        (static_cast<uint8_t>(bytes[i]) << 16) | (static_cast<uint8_t>(bytes[i + 1]) << 8);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
  }
  return out;
}

absl::StatusOr<std::string> Base64UrlDecode(std::string_view text) {
  if (text.size() % 4 == 1) return absl::InvalidArgumentError("bad base64url length");
  std::string out;
  out.reserve(text.size() * 3 / 4);
  uint32_t buffer = 0;
  int bits = 0;
  for (char c : text) {
    const int value = DecodeChar(c);
    if (value < 0) return absl::InvalidArgumentError("bad base64url character");
    buffer = (buffer << 6) | static_cast<uint32_t>(value);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buffer >> bits) & 0xFF);
    }
  }
  // Leftover bits must be zero (a canonical encoding).
  if ((buffer & ((1u << bits) - 1)) != 0) return absl::InvalidArgumentError("bad base64url tail");
  return out;
}

absl::StatusOr<std::string> SignJwt(const JwtClaims& claims, const JwtKey& key) {
  google::protobuf::Struct header;
  (*header.mutable_fields())["alg"].set_string_value(std::string(JwtAlgorithmName(key.algorithm)));
  (*header.mutable_fields())["typ"].set_string_value("JWT");
  if (!key.id.empty()) (*header.mutable_fields())["kid"].set_string_value(key.id);

  google::protobuf::Struct payload;
  auto& fields = *payload.mutable_fields();
  for (const auto& [name, value] : claims.strings) fields[name].set_string_value(value);
  if (!claims.issuer.empty()) fields["iss"].set_string_value(claims.issuer);
  if (!claims.subject.empty()) fields["sub"].set_string_value(claims.subject);
  if (claims.audience.size() == 1) {
    fields["aud"].set_string_value(claims.audience[0]);
  } else if (!claims.audience.empty()) {
    for (const std::string& audience : claims.audience) {
      fields["aud"].mutable_list_value()->add_values()->set_string_value(audience);
    }
  }
  auto put_time = [&fields](const char* name, absl::Time time) {
    if (time != absl::InfinitePast() && time != absl::InfiniteFuture()) {
      fields[name].set_number_value(static_cast<double>(absl::ToUnixSeconds(time)));
    }
  };
  put_time("iat", claims.issued_at);
  put_time("nbf", claims.not_before);
  put_time("exp", claims.expires);

  const std::string signing_input =
      absl::StrCat(Base64UrlEncode(ToJson(header)), ".", Base64UrlEncode(ToJson(payload)));
  std::string signature;
  if (key.algorithm == JwtAlgorithm::kHs256) {
    if (key.secret.size() < kMinHmacSecretBytes) {
      return absl::InvalidArgumentError("an HS256 secret must be at least 32 bytes");
    }
    auto mac = HmacSha256(key.secret, signing_input);
    if (!mac.ok()) return mac.status();
    signature = *std::move(mac);
  } else {
    if (PkeyOf(key) == nullptr) return absl::InvalidArgumentError("the RS256 key is empty");
    auto signed_bytes = RsaSign(PkeyOf(key), signing_input);
    if (!signed_bytes.ok()) return signed_bytes.status();
    signature = *std::move(signed_bytes);
  }
  return absl::StrCat(signing_input, ".", Base64UrlEncode(signature));
}

absl::StatusOr<JwtClaims> VerifyJwt(std::string_view token, const std::vector<JwtKey>& keys,
                                    const JwtExpectations& expected) {
  if (token.empty()) return Unauthenticated("no token");
  if (token.size() > kMaxTokenBytes) return Unauthenticated("token too long");
  const size_t first_dot = token.find('.');
  const size_t second_dot =
      first_dot == std::string_view::npos ? first_dot : token.find('.', first_dot + 1);
  if (second_dot == std::string_view::npos ||
      token.find('.', second_dot + 1) != std::string_view::npos) {
    return Unauthenticated("token is not a compact JWT");
  }
  const std::string_view parts[3] = {token.substr(0, first_dot),
                                     token.substr(first_dot + 1, second_dot - first_dot - 1),
                                     token.substr(second_dot + 1)};
  auto header_json = Base64UrlDecode(parts[0]);
  auto payload_json = Base64UrlDecode(parts[1]);
  auto signature = Base64UrlDecode(parts[2]);
  if (!header_json.ok() || !payload_json.ok() || !signature.ok()) {
    return Unauthenticated("token is not base64url");
  }
  auto header = ParseJsonObject(*header_json);
  if (!header.ok()) return header.status();
  auto string_field = [](const google::protobuf::Struct& object, const char* name) {
    auto it = object.fields().find(name);
    return it != object.fields().end() &&
                   it->second.kind_case() == google::protobuf::Value::kStringValue
               ? it->second.string_value()
               : std::string();
  };
  const std::string alg = string_field(*header, "alg");
  JwtAlgorithm algorithm;
  if (alg == "HS256") {
    algorithm = JwtAlgorithm::kHs256;
  } else if (alg == "RS256") {
    algorithm = JwtAlgorithm::kRs256;
  } else {
    return Unauthenticated("token algorithm is not HS256 or RS256");
  }
  const std::string kid = string_field(*header, "kid");

  // The signature is checked before the payload is even parsed.
  const std::string_view signing_input = token.substr(0, parts[0].size() + 1 + parts[1].size());
  bool verified = false;
  bool key_found = false;
  for (const JwtKey& key : keys) {
    if (key.algorithm != algorithm || (!kid.empty() && key.id != kid)) continue;
    key_found = true;
    if (algorithm == JwtAlgorithm::kHs256) {
      auto mac = HmacSha256(key.secret, signing_input);
      verified = mac.ok() && mac->size() == signature->size() &&
                 CRYPTO_memcmp(mac->data(), signature->data(), mac->size()) == 0;
    } else {
      verified = PkeyOf(key) != nullptr && RsaVerify(PkeyOf(key), signing_input, *signature);
    }
    if (verified) break;
  }
  if (!key_found) return Unauthenticated("token key is unknown");
  if (!verified) return Unauthenticated("token signature does not verify");

  auto payload = ParseJsonObject(*payload_json);
  if (!payload.ok()) return payload.status();
  JwtClaims claims;
  if (absl::Status s = ReadTime(*payload, "exp", &claims.expires); !s.ok()) return s;
  if (absl::Status s = ReadTime(*payload, "nbf", &claims.not_before); !s.ok()) return s;
  if (absl::Status s = ReadTime(*payload, "iat", &claims.issued_at); !s.ok()) return s;
  for (const auto& [name, value] : payload->fields()) {
    if (name == "aud") {
      if (value.kind_case() == google::protobuf::Value::kStringValue) {
        claims.audience.push_back(value.string_value());
      } else if (value.kind_case() == google::protobuf::Value::kListValue) {
        for (const auto& item : value.list_value().values()) {
          if (item.kind_case() == google::protobuf::Value::kStringValue) {
            claims.audience.push_back(item.string_value());
          }
        }
      }
    } else if (value.kind_case() == google::protobuf::Value::kStringValue) {
      if (name == "iss") {
        claims.issuer = value.string_value();
      } else if (name == "sub") {
        claims.subject = value.string_value();
      } else {
        claims.strings[name] = value.string_value();
      }
    }
  }

  if (expected.require_expiry && claims.expires == absl::InfiniteFuture()) {
    return Unauthenticated("token has no expiry");
  }
  if (claims.expires + expected.leeway <= expected.now) return Unauthenticated("token expired");
  if (claims.not_before - expected.leeway > expected.now) {
    return Unauthenticated("token not yet valid");
  }
  if (claims.issued_at != absl::InfinitePast() &&
      claims.issued_at - expected.leeway > expected.now) {
    return Unauthenticated("token issued in the future");
  }
  if (expected.max_lifetime != absl::InfiniteDuration() &&
      claims.expires != absl::InfiniteFuture()) {
    const absl::Time from =
        claims.issued_at != absl::InfinitePast() ? claims.issued_at : expected.now;
    if (claims.expires - from > expected.max_lifetime + expected.leeway) {
      return Unauthenticated("token lifetime too long");
    }
  }
  if (!expected.issuer.empty() && claims.issuer != expected.issuer) {
    return Unauthenticated("token issuer is not accepted");
  }
  if (!expected.audience.empty()) {
    bool found = false;
    for (const std::string& audience : claims.audience)
      found = found || audience == expected.audience;
    if (!found) return Unauthenticated("token audience is not this service");
  }
  return claims;
}

}  // namespace lifeline::common
