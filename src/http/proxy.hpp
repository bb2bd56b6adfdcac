#pragma once
// Outbound routing rules shared by the HTTP client and its tests: which hosts
// count as loopback (plain http:// allowed, proxy bypassed) and how NO_PROXY
// and HTTPS_PROXY are read. Pure functions: no sockets, no environment.

#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace parley::http {

// True for `localhost` (any case, optional trailing dot), 127.0.0.0/8, ::1 and
// ::ffff:127.x.x.x. `host` may carry IPv6 brackets ("[::1]").
bool is_loopback_host(std::string_view host);

// curl's NO_PROXY rules: a comma (or space) separated list; `*` matches every
// host; an entry matches the host exactly or as a domain suffix, with or
// without a leading '.' (or "*."); ports in entries are ignored; IPv4/IPv6
// CIDR blocks ("10.0.0.0/8", "fd00::/8") match IP-literal hosts. Matching is
// case-insensitive and ignores a trailing dot.
bool no_proxy_matches(std::string_view no_proxy, std::string_view host);

// An HTTP CONNECT proxy from HTTPS_PROXY: "http://[user[:password]@]host[:port]"
// (scheme optional, default port 1080 as curl). `authorization` is the ready
// "Basic ..." value when the URL had userinfo (percent-decoded first).
struct ProxyEndpoint {
  std::string host;  // without IPv6 brackets
  std::uint16_t port = 1080;
  std::string authorization;  // empty when no credentials
};

// Error "http_client.proxy" for a malformed URL or a scheme other than http.
Result<ProxyEndpoint> parse_proxy_url(std::string_view url);

}  // namespace parley::http
