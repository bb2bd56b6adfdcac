#include "core/secret.hpp"

#include <openssl/crypto.h>

#include <fstream>
#include <sstream>

#include "core/errors.hpp"

namespace parley {

Secret::~Secret() {
  if (!value_.empty()) OPENSSL_cleanse(value_.data(), value_.size());
}

Result<Secret> read_secret_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error(errc::secret_file::unreadable, "cannot read " + path);
  std::ostringstream content;
  content << in.rdbuf();
  if (in.bad()) return make_error(errc::secret_file::unreadable, "cannot read " + path);
  std::string text = std::move(content).str();
  constexpr std::string_view kSpace = " \t\r\n";
  const auto first = text.find_first_not_of(kSpace);
  if (first == std::string::npos) return make_error(errc::secret_file::empty, path + " is empty");
  const auto last = text.find_last_not_of(kSpace);
  Secret secret(text.substr(first, last - first + 1));
  OPENSSL_cleanse(text.data(), text.size());
  return secret;
}

}  // namespace parley
