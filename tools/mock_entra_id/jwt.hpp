#pragma once
// JWS compact serialisation for the mock: build (RS256, HS256, none) and parse.

#include <boost/json.hpp>
#include <optional>
#include <string>

#include "crypto.hpp"

namespace mock_entra {

// header.payload signed with `key` (RS256) unless header["alg"] says "none" or
// "HS256"; HS256 uses `hmac_secret` (the classic RSA/HMAC confusion attack).
std::string sign_jwt(const boost::json::object& header, const boost::json::object& payload,
                     const RsaKey& key, const std::string& hmac_secret = {});

struct ParsedJwt {
  boost::json::object header;
  boost::json::object payload;
  std::string signing_input;  // header.payload as received
  std::string signature;      // raw bytes
};
std::optional<ParsedJwt> parse_jwt(const std::string& token);

}  // namespace mock_entra
