// Keys and certificates made at test time with OpenSSL: a throw-away CA and certificates it signs
// (for mTLS tests), and RSA key pairs (for RS256 tokens). Nothing here is for production use.
#pragma once

#include <string>

#include "absl/status/statusor.h"

namespace lifeline::common::testing {

// PEM files of one certificate authority and one certificate it issued.
struct TestCertFiles {
  std::string ca_cert_file;  // the CA's certificate
  std::string cert_file;     // the leaf certificate (serverAuth and clientAuth)
  std::string key_file;      // the leaf's private key
};

// Writes `<dir>/<name>-ca.pem`, `<dir>/<name>.pem` and `<dir>/<name>.key`: a new P-256 CA and a
// leaf for "localhost" and 127.0.0.1, valid from an hour ago for a day. Errors: Internal.
absl::StatusOr<TestCertFiles> MakeTestCertificates(const std::string& dir, const std::string& name);

// A certificate for the same names issued by the CA of `ca` (whose key is `<ca>-ca.key`, written
// by MakeTestCertificates beside the CA certificate). Errors: Internal.
absl::StatusOr<TestCertFiles> IssueTestCertificate(const TestCertFiles& ca, const std::string& dir,
                                                   const std::string& name);

// A new RSA private key in PEM (PKCS#8), and its public key in PEM (SubjectPublicKeyInfo).
struct RsaKeyPair {
  std::string private_pem;
  std::string public_pem;
};
absl::StatusOr<RsaKeyPair> MakeRsaKeyPair(int bits = 2048);

}  // namespace lifeline::common::testing
