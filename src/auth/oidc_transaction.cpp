#include "auth/oidc_transaction.hpp"

#include <openssl/evp.h>

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "core/base64url.hpp"
#include "auth/errors.hpp"

namespace parley::auth {

namespace json = boost::json;

namespace {

constexpr std::int64_t kMaxFutureSkew = 300;

bool read_string(const json::object& o, std::string_view key, std::string& out) {
  const json::value* v = o.if_contains(key);
  if (!v || !v->is_string()) return false;
  out = std::string(v->get_string());
  return true;
}

}  // namespace

OidcTransaction new_transaction(Random& random, std::string callback_url, std::int64_t now,
                                bool silent) {
  OidcTransaction tx;
  tx.state = random.token(32);
  tx.nonce = random.token(32);
  tx.code_verifier = random.token(32);
  tx.callback_url = std::move(callback_url);
  tx.created_at = now;
  tx.silent = silent;
  return tx;
}

std::string pkce_challenge_s256(std::string_view code_verifier) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(code_verifier.data(), code_verifier.size(), digest, &len, EVP_sha256(), nullptr);
  return base64url_encode(std::string_view(reinterpret_cast<const char*>(digest), len));
}

std::string seal_transaction(const OidcTransaction& tx, const Sealer& sealer, Random& random) {
  json::object o;
  o["v"] = 1;
  o["s"] = tx.state;
  o["n"] = tx.nonce;
  o["p"] = tx.code_verifier;
  o["c"] = tx.callback_url;
  o["t"] = tx.created_at;
  o["q"] = tx.silent;
  return sealer.seal(json::serialize(o), random);
}

Result<OidcTransaction> open_transaction(std::string_view value, const Sealer& sealer,
                                         std::int64_t now, std::int64_t max_age) {
  auto plain = sealer.open(value);
  if (!plain) return make_error(errc::oidc::transaction_invalid, std::string(plain.error().code));
  boost::system::error_code ec;
  json::value doc = json::parse(*plain, ec);
  if (ec || !doc.is_object()) return make_error(errc::oidc::transaction_invalid, "not an object");
  const json::object& o = doc.get_object();
  const json::value* version = o.if_contains("v");
  if (!version || !version->is_int64() || version->get_int64() != 1) {
    return make_error(errc::oidc::transaction_invalid, "version");
  }
  OidcTransaction tx;
  const json::value* t = o.if_contains("t");
  const json::value* q = o.if_contains("q");
  if (!read_string(o, "s", tx.state) || !read_string(o, "n", tx.nonce) ||
      !read_string(o, "p", tx.code_verifier) || !read_string(o, "c", tx.callback_url) || !t ||
      !t->is_int64() || !q || !q->is_bool()) {
    return make_error(errc::oidc::transaction_invalid, "fields");
  }
  tx.created_at = t->get_int64();
  tx.silent = q->get_bool();
  if (tx.state.empty() || tx.nonce.empty() || tx.code_verifier.empty()) {
    return make_error(errc::oidc::transaction_invalid, "empty field");
  }
  if (tx.created_at > now + kMaxFutureSkew) return make_error(errc::oidc::transaction_invalid, "future");
  if (now >= tx.created_at + max_age) return make_error(errc::oidc::transaction_expired);
  return tx;
}

}  // namespace parley::auth
