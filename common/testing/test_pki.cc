#include "common/testing/test_pki.h"

#include <cstdio>
#include <fstream>
#include <memory>
#include <string>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace lifeline::common::testing {
namespace {

using Pkey = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
using Cert = std::unique_ptr<X509, decltype(&X509_free)>;

std::string PemOf(int (*write)(BIO*, void*), void* object) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  if (bio == nullptr || write(bio.get(), object) != 1) return "";
  char* data = nullptr;
  const long length = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(length));
}

std::string PrivateKeyPem(EVP_PKEY* key) {
  return PemOf(
      [](BIO* bio, void* k) {
        return PEM_write_bio_PrivateKey(bio, static_cast<EVP_PKEY*>(k), nullptr, nullptr, 0,
                                        nullptr, nullptr);
      },
      key);
}

std::string CertPem(X509* cert) {
  return PemOf([](BIO* bio, void* c) { return PEM_write_bio_X509(bio, static_cast<X509*>(c)); },
               cert);
}

absl::Status WriteText(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out || text.empty()) return absl::InternalError(absl::StrCat("cannot write ", path));
  return absl::OkStatus();
}

bool AddExtension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  if (ext == nullptr) return false;
  const bool ok = X509_add_ext(cert, ext, -1) == 1;
  X509_EXTENSION_free(ext);
  return ok;
}

// Makes a certificate for `key` named `common_name`, signed by `issuer_key` (self-signed when
// `issuer` is null).
Cert MakeCert(EVP_PKEY* key, const char* common_name, X509* issuer, EVP_PKEY* issuer_key,
              bool is_ca, long serial) {
  Cert cert(X509_new(), X509_free);
  if (cert == nullptr) return cert;
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), serial);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 86400);
  X509_set_pubkey(cert.get(), key);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(common_name), -1, -1, 0);
  X509* signer = issuer != nullptr ? issuer : cert.get();
  X509_set_issuer_name(cert.get(), X509_get_subject_name(signer));
  bool ok = true;
  if (is_ca) {
    ok = AddExtension(cert.get(), signer, NID_basic_constraints, "critical,CA:TRUE") &&
         AddExtension(cert.get(), signer, NID_key_usage, "critical,keyCertSign,cRLSign") &&
         AddExtension(cert.get(), signer, NID_subject_key_identifier, "hash");
  } else {
    ok = AddExtension(cert.get(), signer, NID_basic_constraints, "critical,CA:FALSE") &&
         AddExtension(cert.get(), signer, NID_key_usage, "critical,digitalSignature") &&
         AddExtension(cert.get(), signer, NID_ext_key_usage, "serverAuth,clientAuth") &&
         AddExtension(cert.get(), signer, NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1");
  }
  if (!ok || X509_sign(cert.get(), issuer_key, EVP_sha256()) == 0) cert.reset();
  return cert;
}

absl::StatusOr<Pkey> ReadKey(const std::string& path) {
  FILE* file = std::fopen(path.c_str(), "r");
  if (file == nullptr) return absl::InternalError(absl::StrCat("cannot read ", path));
  Pkey key(PEM_read_PrivateKey(file, nullptr, nullptr, nullptr), EVP_PKEY_free);
  std::fclose(file);
  if (key == nullptr) return absl::InternalError(absl::StrCat("no key in ", path));
  return key;
}

absl::StatusOr<Cert> ReadCert(const std::string& path) {
  FILE* file = std::fopen(path.c_str(), "r");
  if (file == nullptr) return absl::InternalError(absl::StrCat("cannot read ", path));
  Cert cert(PEM_read_X509(file, nullptr, nullptr, nullptr), X509_free);
  std::fclose(file);
  if (cert == nullptr) return absl::InternalError(absl::StrCat("no certificate in ", path));
  return cert;
}

absl::StatusOr<TestCertFiles> WriteLeaf(const std::string& ca_cert_file, X509* ca_cert,
                                        EVP_PKEY* ca_key, const std::string& dir,
                                        const std::string& name, long serial) {
  Pkey key(EVP_EC_gen("P-256"), EVP_PKEY_free);
  if (key == nullptr) return absl::InternalError("cannot make a key");
  Cert cert = MakeCert(key.get(), "localhost", ca_cert, ca_key, false, serial);
  if (cert == nullptr) return absl::InternalError("cannot make a certificate");
  TestCertFiles files;
  files.ca_cert_file = ca_cert_file;
  files.cert_file = absl::StrCat(dir, "/", name, ".pem");
  files.key_file = absl::StrCat(dir, "/", name, ".key");
  if (absl::Status s = WriteText(files.cert_file, CertPem(cert.get())); !s.ok()) return s;
  if (absl::Status s = WriteText(files.key_file, PrivateKeyPem(key.get())); !s.ok()) return s;
  return files;
}

}  // namespace

absl::StatusOr<TestCertFiles> MakeTestCertificates(const std::string& dir,
                                                   const std::string& name) {
  Pkey ca_key(EVP_EC_gen("P-256"), EVP_PKEY_free);
  if (ca_key == nullptr) return absl::InternalError("cannot make a key");
  const std::string ca_name = absl::StrCat("Lifeline test CA ", name);
  Cert ca = MakeCert(ca_key.get(), ca_name.c_str(), nullptr, ca_key.get(), true, 1);
  if (ca == nullptr) return absl::InternalError("cannot make the CA certificate");
  const std::string ca_cert_file = absl::StrCat(dir, "/", name, "-ca.pem");
  if (absl::Status s = WriteText(ca_cert_file, CertPem(ca.get())); !s.ok()) return s;
  if (absl::Status s =
          WriteText(absl::StrCat(dir, "/", name, "-ca.key"), PrivateKeyPem(ca_key.get()));
      !s.ok()) {
    return s;
  }
  return WriteLeaf(ca_cert_file, ca.get(), ca_key.get(), dir, name, 2);
}

absl::StatusOr<TestCertFiles> IssueTestCertificate(const TestCertFiles& ca, const std::string& dir,
                                                   const std::string& name) {
  std::string ca_key_file = ca.ca_cert_file;
  ca_key_file.replace(ca_key_file.size() - 4, 4, ".key");
  auto ca_key = ReadKey(ca_key_file);
  if (!ca_key.ok()) return ca_key.status();
  auto ca_cert = ReadCert(ca.ca_cert_file);
  if (!ca_cert.ok()) return ca_cert.status();
  static long serial = 100;
  return WriteLeaf(ca.ca_cert_file, ca_cert->get(), ca_key->get(), dir, name, ++serial);
}

absl::StatusOr<RsaKeyPair> MakeRsaKeyPair(int bits) {
  Pkey key(EVP_RSA_gen(static_cast<unsigned int>(bits)), EVP_PKEY_free);
  if (key == nullptr) return absl::InternalError("cannot make an RSA key");
  RsaKeyPair pair;
  pair.private_pem = PrivateKeyPem(key.get());
  pair.public_pem =
      PemOf([](BIO* bio, void* k) { return PEM_write_bio_PUBKEY(bio, static_cast<EVP_PKEY*>(k)); },
            key.get());
  if (pair.private_pem.empty() || pair.public_pem.empty()) {
    return absl::InternalError("cannot write the RSA key");
  }
  return pair;
}

}  // namespace lifeline::common::testing
