#include "core/base64url.hpp"
#include "core/errors.hpp"

#include <openssl/evp.h>

namespace parley {

std::string base64_encode(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()),
                                static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

std::string base64url_encode(std::string_view bytes) {
  std::string out = base64_encode(bytes);
  while (!out.empty() && out.back() == '=') out.pop_back();
  for (char& c : out) {
    if (c == '+') c = '-';
    else if (c == '/') c = '_';
  }
  return out;
}

Result<std::string> base64url_decode(std::string_view text) {
  // A length of 1 mod 4 cannot come from any byte string.
  if (text.size() % 4 == 1) return make_error(errc::base64url::invalid, "impossible length");
  std::string std_b64;
  std_b64.reserve(text.size() + 3);
  for (char c : text) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
      std_b64.push_back(c);
    } else if (c == '-') {
      std_b64.push_back('+');
    } else if (c == '_') {
      std_b64.push_back('/');
    } else {
      return make_error(errc::base64url::invalid, "character outside the alphabet");
    }
  }
  const std::size_t pad = (4 - std_b64.size() % 4) % 4;
  std_b64.append(pad, '=');
  std::string out(3 * std_b64.size() / 4, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(std_b64.data()),
                                static_cast<int>(std_b64.size()));
  if (n < 0) return make_error(errc::base64url::invalid, "decode failed");
  // EVP_DecodeBlock does not account for padding: drop those bytes.
  out.resize(static_cast<std::size_t>(n) - pad);
  // Canonical form: re-encoding must give the input back (rejects non-zero
  // trailing bits, so one token has one spelling).
  if (base64url_encode(out) != text) return make_error(errc::base64url::invalid, "non-canonical");
  return out;
}

}  // namespace parley
