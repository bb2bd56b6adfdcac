#include "support/test_pki.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <memory>
#include <stdexcept>

namespace parley::testing {

namespace {

using KeyPtr = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
using CertPtr = std::unique_ptr<X509, decltype(&X509_free)>;

void add_ext(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  if (ext == nullptr) throw std::runtime_error(std::string("bad certificate extension ") + value);
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

CertPtr make_cert(EVP_PKEY* key, const std::string& cn, X509* issuer, EVP_PKEY* issuer_key,
                  const std::string& san, long serial) {
  CertPtr cert(X509_new(), &X509_free);
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), serial);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 86400);
  X509_set_pubkey(cert.get(), key);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509* signer = issuer ? issuer : cert.get();
  X509_set_issuer_name(cert.get(), X509_get_subject_name(signer));
  add_ext(cert.get(), signer, NID_subject_key_identifier, "hash");
  if (!issuer) {
    add_ext(cert.get(), signer, NID_basic_constraints, "critical,CA:TRUE");
    add_ext(cert.get(), signer, NID_key_usage, "critical,keyCertSign,cRLSign");
  } else {
    add_ext(cert.get(), signer, NID_basic_constraints, "critical,CA:FALSE");
    add_ext(cert.get(), signer, NID_authority_key_identifier, "keyid");
    add_ext(cert.get(), signer, NID_ext_key_usage, "serverAuth");
    add_ext(cert.get(), signer, NID_subject_alt_name, san.c_str());
  }
  X509_sign(cert.get(), issuer_key ? issuer_key : key, EVP_sha256());
  return cert;
}

std::string bio_string(BIO* bio) {
  std::string out(BIO_ctrl_pending(bio), '\0');
  BIO_read(bio, out.data(), static_cast<int>(out.size()));
  BIO_free(bio);
  return out;
}

std::string cert_pem(X509* cert) {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(bio, cert);
  return bio_string(bio);
}

}  // namespace

struct TestPki::Impl {
  KeyPtr ca_key{EVP_EC_gen("P-256"), &EVP_PKEY_free};
  KeyPtr leaf_key{EVP_EC_gen("P-256"), &EVP_PKEY_free};
  CertPtr ca{nullptr, &X509_free};
  mutable std::atomic<long> serial{2};
};

std::string TestPki::leaf_pem(const std::string& common_name, const std::string& san) const {
  auto leaf = make_cert(impl->leaf_key.get(), common_name, impl->ca.get(), impl->ca_key.get(), san,
                        impl->serial++);
  return cert_pem(leaf.get());
}

const TestPki& test_pki(const std::string& file_tag) {
  static const TestPki pki = [&] {
    static TestPki::Impl impl;
    impl.ca = make_cert(impl.ca_key.get(), "Parley Test CA", nullptr, nullptr, "", 1);
    TestPki out;
    out.impl = &impl;
    out.ca_pem = cert_pem(impl.ca.get());
    BIO* bio = BIO_new(BIO_s_mem());
    PEM_write_bio_PrivateKey(bio, impl.leaf_key.get(), nullptr, nullptr, 0, nullptr, nullptr);
    out.key_pem = bio_string(bio);
    out.ca_file = ::testing::TempDir() + file_tag + "_ca_" + std::to_string(::getpid()) + ".pem";
    std::ofstream(out.ca_file) << out.ca_pem;
    return out;
  }();
  return pki;
}

}  // namespace parley::testing
