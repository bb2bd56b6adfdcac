#pragma once
// What an outbound request may reach, for the HTTP client (client.cpp) only:
// the request target parsed from a URL, with DESIGN.md's rule that plain
// http:// goes only to loopback hosts (or a host the client was built to
// allow), and the Beast verb of a Method.

#include <boost/beast/http/verb.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "http/message.hpp"

namespace parley::http {

struct Target {
  bool https = false;
  std::string host;  // without brackets, lower case
  std::uint16_t port = 0;
  std::string host_header;  // host[:port], IPv6 in brackets
  std::string target;       // origin-form request target
  std::string path;         // for logs: path without query
  bool loopback = false;
  bool ip_literal = false;
  std::string origin_key() const {
    return std::string(https ? "https://" : "http://") + host_header;
  }
};

// http_client.bad_url (not an absolute http(s) URL, userinfo, bad host or
// port) or http_client.insecure_url (plain http to another host).
Result<Target> parse_target(std::string_view url,
                            const std::vector<std::string>& allow_plain_http_hosts = {});

// nullopt for Method::other.
std::optional<boost::beast::http::verb> to_verb(Method m);

}  // namespace parley::http
