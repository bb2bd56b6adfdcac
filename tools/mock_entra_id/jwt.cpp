#include "jwt.hpp"

namespace mock_entra {

namespace json = boost::json;

std::string sign_jwt(const json::object& header, const json::object& payload, const RsaKey& key,
                     const std::string& hmac_secret) {
  const std::string input =
      base64url_encode(json::serialize(header)) + "." + base64url_encode(json::serialize(payload));
  std::string alg = "RS256";
  if (const auto* a = header.if_contains("alg"); a != nullptr && a->is_string()) {
    alg = std::string(a->as_string());
  }
  if (alg == "none") return input + ".";
  if (alg == "HS256") return input + "." + base64url_encode(hmac_sha256(hmac_secret, input));
  return input + "." + base64url_encode(key.sign_rs256(input));
}

std::optional<ParsedJwt> parse_jwt(const std::string& token) {
  const auto first = token.find('.');
  if (first == std::string::npos) return std::nullopt;
  const auto second = token.find('.', first + 1);
  if (second == std::string::npos || token.find('.', second + 1) != std::string::npos) {
    return std::nullopt;
  }
  ParsedJwt out;
  std::string header_json, payload_json;
  if (!base64url_decode(std::string_view(token).substr(0, first), header_json) ||
      !base64url_decode(std::string_view(token).substr(first + 1, second - first - 1),
                        payload_json) ||
      !base64url_decode(std::string_view(token).substr(second + 1), out.signature)) {
    return std::nullopt;
  }
  boost::system::error_code ec;
  json::value h = json::parse(header_json, ec);
  if (ec || !h.is_object()) return std::nullopt;
  json::value p = json::parse(payload_json, ec);
  if (ec || !p.is_object()) return std::nullopt;
  out.header = std::move(h.as_object());
  out.payload = std::move(p.as_object());
  out.signing_input = token.substr(0, second);
  return out;
}

}  // namespace mock_entra
