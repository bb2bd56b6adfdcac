#include "support/browser.hpp"

#include <httplib.h>

#include <algorithm>

namespace parley::testing {

namespace {
std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}
}  // namespace

std::optional<Url> parse_http_url(const std::string& url) {
  const std::string prefix = "http://";
  if (url.rfind(prefix, 0) != 0) return std::nullopt;
  const auto rest = url.substr(prefix.size());
  const auto slash = rest.find('/');
  const std::string authority = rest.substr(0, slash);
  Url u;
  u.target = slash == std::string::npos ? "/" : rest.substr(slash);
  const auto colon = authority.rfind(':');
  if (colon == std::string::npos) return std::nullopt;
  u.host = authority.substr(0, colon);
  u.port = std::stoi(authority.substr(colon + 1));
  if (u.host == "localhost") u.host = "127.0.0.1";
  return u;
}

std::string HttpResult::header(const std::string& name) const {
  auto it = headers.find(lower(name));
  return it == headers.end() ? std::string() : it->second;
}

Browser::Browser(int origin_port, std::string user_agent)
    : origin_port_(origin_port), user_agent_(std::move(user_agent)) {}

std::map<std::string, std::string>& Browser::cookies_for(const std::string& host, int port) {
  return jars_[host + ":" + std::to_string(port)];
}

std::optional<std::string> Browser::cookie(const std::string& name) {
  auto& jar = cookies();
  auto it = jar.find(name);
  if (it == jar.end()) return std::nullopt;
  return it->second;
}

HttpResult Browser::get(const std::string& url, const std::map<std::string, std::string>& headers) {
  return send("GET", url, "", "", headers);
}

HttpResult Browser::post(const std::string& url, const std::string& body,
                         const std::string& content_type,
                         const std::map<std::string, std::string>& headers) {
  return send("POST", url, body, content_type, headers);
}

HttpResult Browser::send(const std::string& method, const std::string& url, const std::string& body,
                         const std::string& content_type,
                         const std::map<std::string, std::string>& headers) {
  Url u;
  if (url.rfind("http://", 0) == 0) {
    auto parsed = parse_http_url(url);
    if (!parsed) return {};
    u = *parsed;
  } else {
    u.host = "127.0.0.1";
    u.port = origin_port_;
    u.target = url;
  }
  httplib::Client client(u.host, u.port);
  client.set_follow_location(false);
  client.set_connection_timeout(5);
  client.set_read_timeout(30);
  httplib::Headers h;
  h.emplace("User-Agent", user_agent_);
  auto& jar = cookies_for(u.host, u.port);
  if (!jar.empty() && !headers.count("Cookie")) {
    std::string cookie_header;
    for (const auto& [k, v] : jar) {
      if (!cookie_header.empty()) cookie_header += "; ";
      cookie_header += k + "=" + v;
    }
    h.emplace("Cookie", cookie_header);
  }
  for (const auto& [k, v] : headers) h.emplace(k, v);
  const std::string type = content_type.empty() ? "text/plain" : content_type;
  httplib::Result res = method == "GET"      ? client.Get(u.target, h)
                        : method == "PUT"    ? client.Put(u.target, h, body, type)
                        : method == "PATCH"  ? client.Patch(u.target, h, body, type)
                        : method == "DELETE" ? client.Delete(u.target, h, body, type)
                                             : client.Post(u.target, h, body, type);
  HttpResult out;
  if (!res) return out;
  out.status = res->status;
  out.body = res->body;
  for (const auto& [k, v] : res->headers) {
    out.headers.emplace(lower(k), v);
    if (lower(k) == "set-cookie") {
      out.set_cookies.push_back(v);
      const auto eq = v.find('=');
      const auto semi = v.find(';');
      if (eq == std::string::npos) continue;
      const std::string name = v.substr(0, eq);
      const std::string value = v.substr(eq + 1, semi == std::string::npos ? std::string::npos : semi - eq - 1);
      const std::string attrs = lower(semi == std::string::npos ? "" : v.substr(semi));
      if (attrs.find("max-age=0") != std::string::npos || value.empty()) {
        jar.erase(name);
      } else {
        jar[name] = value;
      }
    }
  }
  return out;
}

HttpResult Browser::follow(HttpResult first) {
  HttpResult r = std::move(first);
  for (int i = 0; i < 10 && r.status >= 300 && r.status < 400; ++i) r = get(r.location());
  return r;
}

}  // namespace parley::testing
