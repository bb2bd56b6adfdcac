#pragma once
// A throw-away certificate authority for TLS tests: a P-256 CA and leaf
// certificates for the names a test needs, made in memory with OpenSSL at
// run time (nothing checked in that could expire or leak).

#include <string>

namespace parley::testing {

struct TestPki {
  std::string ca_pem;
  std::string ca_file;  // ca_pem written to a temp file (the SSL_CERT_FILE of a test)
  std::string key_pem;  // the private key of every leaf
  // A leaf signed by the CA for `san`, e.g. "DNS:localhost,IP:127.0.0.1".
  std::string leaf_pem(const std::string& common_name, const std::string& san) const;

  struct Impl;
  const Impl* impl = nullptr;
};

// One CA per test process; `file_tag` names its temp file.
const TestPki& test_pki(const std::string& file_tag = "parley_test");

}  // namespace parley::testing
