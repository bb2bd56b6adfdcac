// The one security header set that the app and the HTTP server both use.

#include "app/security_headers.hpp"

#include <gtest/gtest.h>

namespace parley::app {
namespace {

config::Config config_for(const std::string& auth_url) {
  config::Config cfg;
  cfg.auth_url = *config::parse_origin(auth_url, false);
  cfg.entra.issuer = "https://login.microsoftonline.com/11111111-2222-3333-4444-555555555555/v2.0";
  return cfg;
}

TEST(SecurityHeaders, TheSetEveryResponseCarries) {
  const http::Headers h = security_headers(config_for("http://127.0.0.1:3000"));
  EXPECT_EQ(h.get("Content-Security-Policy").value_or(""),
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
            "form-action 'self' https://login.microsoftonline.com; frame-ancestors 'none'");
  EXPECT_EQ(h.get("X-Content-Type-Options").value_or(""), "nosniff");
  EXPECT_EQ(h.get("Referrer-Policy").value_or(""), "strict-origin-when-cross-origin");
  EXPECT_EQ(h.get("X-Frame-Options").value_or(""), "DENY");
  EXPECT_EQ(h.get("Cross-Origin-Opener-Policy").value_or(""), "same-origin");
  EXPECT_FALSE(h.get("Strict-Transport-Security")) << "no HSTS for a plain http origin";
  EXPECT_FALSE(h.get("Cache-Control")) << "chosen per response";
}

TEST(SecurityHeaders, HstsOnlyWhenAuthUrlIsHttps) {
  const http::Headers h = security_headers(config_for("https://parley.bank.example"));
  EXPECT_EQ(h.get("Strict-Transport-Security").value_or(""), "max-age=63072000; includeSubDomains");
}

TEST(SecurityHeaders, AResponseThatMayBeFramedKeepsItsCspAndGetsNoFrameOptions) {
  const auto cfg = config_for("http://127.0.0.1:3000");
  http::Response r;
  ASSERT_TRUE(r.headers.set("Content-Security-Policy", frontchannel_logout_csp(cfg)));
  add_security_headers(r.headers, security_headers(cfg));
  EXPECT_EQ(r.headers.get("Content-Security-Policy").value_or(""),
            "default-src 'none'; base-uri 'none'; form-action 'none'; "
            "frame-ancestors https://login.microsoftonline.com");
  EXPECT_FALSE(r.headers.get("X-Frame-Options")) << "DENY would override frame-ancestors";
  EXPECT_EQ(r.headers.get("X-Content-Type-Options").value_or(""), "nosniff");
  std::size_t csp = 0;
  for (const auto& [name, value] : r.headers.fields()) csp += name == "Content-Security-Policy";
  EXPECT_EQ(csp, 1u);
}

TEST(SecurityHeaders, AnOrdinaryResponseGetsTheWholeSet) {
  const auto cfg = config_for("http://127.0.0.1:3000");
  http::Response r;
  add_security_headers(r.headers, security_headers(cfg));
  EXPECT_EQ(r.headers.get("Content-Security-Policy"), security_headers(cfg).get("Content-Security-Policy"));
  EXPECT_EQ(r.headers.get("X-Frame-Options").value_or(""), "DENY");
}

}  // namespace
}  // namespace parley::app
