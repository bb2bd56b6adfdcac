#include "core/secret.hpp"

#include <openssl/crypto.h>

namespace parley {

Secret::~Secret() {
  if (!value_.empty()) OPENSSL_cleanse(value_.data(), value_.size());
}

}  // namespace parley
