#pragma once
// A scripted browser for end-to-end tests, built on cpp-httplib (a
// different HTTP stack from Parley's, so one bug cannot hide on both sides):
// it keeps cookies per origin, follows nothing by itself, and exposes every
// response header so tests can assert on redirects and Set-Cookie.

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace parley::testing {

struct Url {
  std::string host;
  int port = 0;
  std::string target;  // path + query
};
std::optional<Url> parse_http_url(const std::string& url);

struct HttpResult {
  int status = 0;  // 0: no response (connection failed)
  std::string body;
  std::multimap<std::string, std::string> headers;  // lower-case names
  std::vector<std::string> set_cookies;

  std::string header(const std::string& name) const;
  std::string location() const { return header("location"); }
};

class Browser {
 public:
  // `origin_port`: Parley's port on 127.0.0.1; relative URLs go there.
  explicit Browser(int origin_port, std::string user_agent = "parley-test-browser");

  HttpResult get(const std::string& url, const std::map<std::string, std::string>& headers = {});
  HttpResult post(const std::string& url, const std::string& body, const std::string& content_type,
                  const std::map<std::string, std::string>& headers = {});
  // Any method (GET, POST, PUT, PATCH, DELETE).
  HttpResult request(const std::string& method, const std::string& url, const std::string& body,
                     const std::string& content_type,
                     const std::map<std::string, std::string>& headers = {}) {
    return send(method, url, body, content_type, headers);
  }
  // Follows redirects (at most 10) and returns the last response.
  HttpResult follow(HttpResult first);

  // Cookies for host:port; Set-Cookie with Max-Age=0 deletes.
  std::map<std::string, std::string>& cookies_for(const std::string& host, int port);
  std::map<std::string, std::string>& cookies() { return cookies_for("127.0.0.1", origin_port_); }
  std::optional<std::string> cookie(const std::string& name);
  void set_origin_port(int port) { origin_port_ = port; }
  int origin_port() const { return origin_port_; }
  std::string origin() const { return "http://127.0.0.1:" + std::to_string(origin_port_); }

 private:
  HttpResult send(const std::string& method, const std::string& url, const std::string& body,
                  const std::string& content_type, const std::map<std::string, std::string>& headers);
  int origin_port_;
  std::string user_agent_;
  std::map<std::string, std::map<std::string, std::string>> jars_;
};

}  // namespace parley::testing
