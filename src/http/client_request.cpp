#include "http/client_request.hpp"

#include <algorithm>
#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>
#include <cctype>
#include <charconv>

#include "http/client.hpp"
#include "http/errors.hpp"
#include "http/proxy.hpp"

namespace parley::http {

namespace bhttp = boost::beast::http;

namespace {

bool valid_reg_name(std::string_view host) {
  return !host.empty() && std::all_of(host.begin(), host.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '-' || c == '.' || c == '_';
  });
}

}  // namespace

Result<Target> parse_target(std::string_view url,
                            const std::vector<std::string>& allow_plain_http_hosts) {
  auto parsed = boost::urls::parse_uri(url);
  if (!parsed) return make_error(errc::http_client::bad_url, "not an absolute URI");
  const auto& u = *parsed;
  Target t;
  if (u.scheme_id() == boost::urls::scheme::https) {
    t.https = true;
  } else if (u.scheme_id() != boost::urls::scheme::http) {
    return make_error(errc::http_client::bad_url, "scheme must be http or https");
  }
  if (u.has_userinfo()) return make_error(errc::http_client::bad_url, "userinfo in URL");
  switch (u.host_type()) {
    case boost::urls::host_type::name: {
      std::string host = u.host_address();
      std::transform(host.begin(), host.end(), host.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      if (!valid_reg_name(host)) return make_error(errc::http_client::bad_url, "bad host");
      t.host = std::move(host);
      t.host_header = t.host;
      break;
    }
    case boost::urls::host_type::ipv4:
      t.host = u.host_address();
      t.host_header = t.host;
      t.ip_literal = true;
      break;
    case boost::urls::host_type::ipv6:
      t.host = u.host_address();
      t.host_header = "[" + t.host + "]";
      t.ip_literal = true;
      break;
    default:
      return make_error(errc::http_client::bad_url, "missing or unsupported host");
  }
  t.port = t.https ? 443 : 80;
  if (u.has_port()) {
    auto port = u.port();
    unsigned value = 0;
    auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (port.empty() || ec != std::errc() || p != port.data() + port.size() || value == 0 ||
        value > 65535) {
      return make_error(errc::http_client::bad_url, "bad port");
    }
    if (value != t.port) t.host_header += ":" + std::to_string(value);
    t.port = static_cast<std::uint16_t>(value);
  }
  t.loopback = is_loopback_host(t.host);
  // DESIGN.md: plain http:// issuers and endpoints only on loopback hosts.
  if (!t.https && !t.loopback &&
      std::find(allow_plain_http_hosts.begin(), allow_plain_http_hosts.end(), t.host) ==
          allow_plain_http_hosts.end()) {
    return make_error(errc::http_client::insecure_url, "plain http:// to a non-loopback host");
  }
  t.path = u.encoded_path().empty() ? "/" : std::string(u.encoded_path());
  t.target = t.path;
  if (u.has_query()) {
    t.target += '?';
    t.target += u.encoded_query();
  }
  return t;
}

std::optional<bhttp::verb> to_verb(Method m) {
  switch (m) {
    case Method::get:
      return bhttp::verb::get;
    case Method::head:
      return bhttp::verb::head;
    case Method::post:
      return bhttp::verb::post;
    case Method::put:
      return bhttp::verb::put;
    case Method::patch:
      return bhttp::verb::patch;
    case Method::delete_:
      return bhttp::verb::delete_;
    case Method::options:
      return bhttp::verb::options;
    case Method::other:
      break;
  }
  return std::nullopt;
}

namespace {

std::string first_set(const EnvLookup& env, std::string_view a, std::string_view b) {
  auto v = env(a);
  if (!v || v->empty()) v = env(b);
  return v.value_or(std::string());
}

}  // namespace

ClientOptions client_options_from_env(const EnvLookup& env) {
  ClientOptions o;
  o.https_proxy = first_set(env, "https_proxy", "HTTPS_PROXY");
  o.no_proxy = first_set(env, "no_proxy", "NO_PROXY");
  o.ca_file = env("SSL_CERT_FILE").value_or(std::string());
  return o;
}

}  // namespace parley::http
