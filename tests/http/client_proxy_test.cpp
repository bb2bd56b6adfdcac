// Routing rules of the outbound client: loopback hosts, NO_PROXY, HTTPS_PROXY.

#include <gtest/gtest.h>

#include "core/base64url.hpp"
#include "http/proxy.hpp"

namespace {

using parley::http::is_loopback_host;
using parley::http::no_proxy_matches;
using parley::http::parse_proxy_url;

TEST(LoopbackHost, RecognisesLoopbackOnly) {
  struct Case {
    const char* host;
    bool loopback;
  };
  const Case cases[] = {
      {"localhost", true},
      {"LOCALHOST", true},
      {"localhost.", true},
      {"127.0.0.1", true},
      {"127.255.0.9", true},
      {"::1", true},
      {"[::1]", true},
      {"::ffff:127.0.0.1", true},
      {"128.0.0.1", false},
      {"192.0.2.1", false},
      {"::2", false},
      {"localhost.example", false},
      {"mylocalhost", false},
      {"0.0.0.0", false},
      {"", false},
      {"10.0.0.1", false},
  };
  for (const auto& c : cases) EXPECT_EQ(is_loopback_host(c.host), c.loopback) << c.host;
}

TEST(NoProxy, MatchesLikeCurl) {
  struct Case {
    const char* no_proxy;
    const char* host;
    bool match;
  };
  const Case cases[] = {
      {"", "example.com", false},
      {"*", "anything.example", true},
      {"example.com", "example.com", true},
      {"example.com", "EXAMPLE.com", true},
      {"example.com", "api.example.com", true},
      {"example.com", "notexample.com", false},
      {".example.com", "api.example.com", true},
      {".example.com", "example.com", true},
      {"*.example.com", "a.b.example.com", true},
      {"example.com:8443", "example.com", true},
      {"foo.com, example.com ,bar.com", "example.com", true},
      {"foo.com,,bar.com", "example.com", false},
      {"foo.com bar.com", "bar.com", true},
      {"openai.azure.com", "parley.openai.azure.com", true},
      {"login.microsoftonline.com", "microsoftonline.com", false},
      {"10.0.0.0/8", "10.1.2.3", true},
      {"10.0.0.0/8", "11.1.2.3", false},
      {"192.168.1.0/24", "192.168.1.77", true},
      {"192.168.1.0/24", "example.com", false},
      {"fd00::/8", "fd12::1", true},
      {"fd00::/8", "fe80::1", false},
      {"127.0.0.1", "127.0.0.1", true},
      {"[::1]:443", "::1", true},
      {"::1", "[::1]", true},
      {"example.com.", "example.com", true},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(no_proxy_matches(c.no_proxy, c.host), c.match)
        << "NO_PROXY=" << c.no_proxy << " host=" << c.host;
  }
}

TEST(ProxyUrl, ParsesHostPortAndCredentials) {
  auto p = parse_proxy_url("http://bob:s%3Acret@proxy.corp:3128");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->host, "proxy.corp");
  EXPECT_EQ(p->port, 3128);
  EXPECT_EQ(p->authorization, "Basic " + parley::base64_encode("bob:s:cret"));

  auto bare = parse_proxy_url("proxy.corp:8080");
  ASSERT_TRUE(bare);
  EXPECT_EQ(bare->host, "proxy.corp");
  EXPECT_EQ(bare->port, 8080);
  EXPECT_TRUE(bare->authorization.empty());

  auto defaulted = parse_proxy_url("http://[fd00::5]/");
  ASSERT_TRUE(defaulted);
  EXPECT_EQ(defaulted->host, "fd00::5");
  EXPECT_EQ(defaulted->port, 1080);
}

TEST(ProxyUrl, RefusesUnsupportedOrMalformed) {
  for (const char* url : {"https://proxy:443", "socks5://proxy:1080", "http://", "http://proxy:0",
                          "http://proxy:70000", "http://proxy:x"}) {
    auto p = parse_proxy_url(url);
    ASSERT_FALSE(p) << url;
    EXPECT_EQ(p.error().code, "http_client.proxy") << url;
  }
}

}  // namespace
