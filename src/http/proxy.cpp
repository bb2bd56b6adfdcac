#include "http/proxy.hpp"

#include <algorithm>
#include <array>
#include <boost/url/ipv4_address.hpp>
#include <boost/url/ipv6_address.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>
#include <charconv>
#include <optional>

#include "core/base64url.hpp"
#include "http/errors.hpp"

namespace parley::http {
namespace {

std::string normalize_host(std::string_view host) {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  while (!host.empty() && host.back() == '.') host.remove_suffix(1);
  std::string out(host);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// An IP address as 16 bytes (IPv4 mapped into ::ffff:0:0/96) so that one
// prefix comparison serves both families.
std::optional<std::array<unsigned char, 16>> ip_bytes(std::string_view text) {
  std::array<unsigned char, 16> out{};
  if (auto v4 = boost::urls::parse_ipv4_address(text)) {
    auto b = v4->to_bytes();
    out[10] = 0xff;
    out[11] = 0xff;
    std::copy(b.begin(), b.end(), out.begin() + 12);
    return out;
  }
  if (auto v6 = boost::urls::parse_ipv6_address(text)) {
    auto b = v6->to_bytes();
    std::copy(b.begin(), b.end(), out.begin());
    return out;
  }
  return std::nullopt;
}

bool cidr_matches(std::string_view entry, std::string_view host) {
  auto slash = entry.find('/');
  std::string_view net = entry.substr(0, slash);
  std::string_view bits_text = entry.substr(slash + 1);
  unsigned bits = 0;
  auto [p, ec] = std::from_chars(bits_text.data(), bits_text.data() + bits_text.size(), bits);
  if (ec != std::errc() || p != bits_text.data() + bits_text.size()) return false;
  bool v4 = boost::urls::parse_ipv4_address(net).has_value();
  if (v4) {
    if (bits > 32) return false;
    bits += 96;
  } else if (bits > 128) {
    return false;
  }
  auto a = ip_bytes(net);
  auto b = ip_bytes(host);
  if (!a || !b) return false;
  for (unsigned i = 0; i < bits; ++i) {
    unsigned mask = 0x80u >> (i % 8);
    if (((*a)[i / 8] & mask) != ((*b)[i / 8] & mask)) return false;
  }
  return true;
}

// Drops ":port" from a NO_PROXY entry ("host:8080", "[::1]:443"); a bare
// IPv6 address has several colons and no port.
std::string_view strip_port(std::string_view entry) {
  if (!entry.empty() && entry.front() == '[') {
    auto close = entry.find(']');
    if (close != std::string_view::npos) return entry.substr(0, close + 1);
    return entry;
  }
  auto colon = entry.find(':');
  if (colon != std::string_view::npos && entry.find(':', colon + 1) == std::string_view::npos) {
    return entry.substr(0, colon);
  }
  return entry;
}

}  // namespace

bool is_loopback_host(std::string_view host) {
  std::string h = normalize_host(host);
  if (h == "localhost") return true;
  if (auto v4 = boost::urls::parse_ipv4_address(h)) return v4->is_loopback();
  if (auto v6 = boost::urls::parse_ipv6_address(h)) {
    if (v6->is_loopback()) return true;
    if (v6->is_v4_mapped()) return v6->to_bytes()[12] == 127;
  }
  return false;
}

bool no_proxy_matches(std::string_view no_proxy, std::string_view host) {
  const std::string h = normalize_host(host);
  if (h.empty()) return false;
  std::size_t pos = 0;
  while (pos <= no_proxy.size()) {
    std::size_t end = no_proxy.find_first_of(", ", pos);
    if (end == std::string_view::npos) end = no_proxy.size();
    std::string_view raw = trim(no_proxy.substr(pos, end - pos));
    pos = end + 1;
    if (raw.empty()) continue;
    if (raw == "*") return true;
    if (raw.find('/') != std::string_view::npos) {
      if (cidr_matches(
              normalize_host(raw.substr(0, raw.find('/'))) + std::string(raw.substr(raw.find('/'))),
              h)) {
        return true;
      }
      continue;
    }
    std::string entry = normalize_host(strip_port(raw));
    std::string_view e = entry;
    if (e.starts_with("*.")) e.remove_prefix(2);
    while (e.starts_with(".")) e.remove_prefix(1);
    if (e.empty()) continue;
    if (h == e) return true;
    if (h.size() > e.size() && h.ends_with(e) && h[h.size() - e.size() - 1] == '.') return true;
  }
  return false;
}

Result<ProxyEndpoint> parse_proxy_url(std::string_view url) {
  std::string text(trim(url));
  if (text.find("://") == std::string::npos) text = "http://" + text;
  auto parsed = boost::urls::parse_uri(text);
  if (!parsed) return make_error(errc::http_client::proxy, "malformed proxy URL");
  const auto& u = *parsed;
  if (u.scheme_id() != boost::urls::scheme::http) {
    return make_error(errc::http_client::proxy, "only http:// CONNECT proxies are supported");
  }
  ProxyEndpoint out;
  out.host = normalize_host(u.host_address());
  if (out.host.empty() || u.host_type() == boost::urls::host_type::ipvfuture) {
    return make_error(errc::http_client::proxy, "proxy URL has no host");
  }
  if (u.has_port()) {
    auto port = u.port();
    unsigned value = 0;
    auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc() || p != port.data() + port.size() || value == 0 || value > 65535) {
      return make_error(errc::http_client::proxy, "bad proxy port");
    }
    out.port = static_cast<std::uint16_t>(value);
  }
  if (u.has_userinfo()) {
    std::string credentials = u.user();
    credentials += ':';
    credentials += u.password();
    out.authorization = "Basic " + base64_encode(credentials);
  }
  return out;
}

}  // namespace parley::http
