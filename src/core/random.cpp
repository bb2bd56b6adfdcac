#include "core/random.hpp"

#include <openssl/rand.h>

#include <cstdio>
#include <cstdlib>
#include <vector>

#include "core/base64url.hpp"

namespace parley {

void OpenSslRandom::fill(std::span<unsigned char> out) {
  if (out.empty()) return;
  if (RAND_bytes(out.data(), static_cast<int>(out.size())) != 1) {
    std::fputs("fatal: RAND_bytes failed\n", stderr);
    std::abort();
  }
}

std::string Random::token(std::size_t n) {
  std::vector<unsigned char> bytes(n);
  fill(bytes);
  return base64url_encode(std::string_view(reinterpret_cast<const char*>(bytes.data()), n));
}

}  // namespace parley
