#pragma once
// The security headers of every response (DESIGN.md "Security rules"), as
// one set built once from the configuration. The app adds it to its own
// responses (App::finish) and the HTTP server to those it writes itself
// (400, 405, 408, 413, 431, 500: ServerOptions::error_headers), so no
// response leaves without them.

#include <string>

#include "config/config.hpp"
#include "http/message.hpp"

namespace parley::app {

// No inline script; form-action allows the issuer's origin (Chromium applies
// form-action to the redirect that follows the sign-out form POST);
// frame-ancestors 'none'.
std::string content_security_policy(const config::Config& cfg);

// The front-channel logout page's: only the issuer's origin may frame it.
std::string frontchannel_logout_csp(const config::Config& cfg);

// Content-Security-Policy, X-Content-Type-Options, Referrer-Policy,
// X-Frame-Options, Cross-Origin-Opener-Policy, and Strict-Transport-Security
// when AUTH_URL is https. Cache-Control depends on the response and is not
// part of it.
http::Headers security_headers(const config::Config& cfg);

// Adds `set` to a response's headers; a field the handler set itself wins
// (the page the issuer may frame has its own CSP). X-Frame-Options is for
// browsers without CSP frame-ancestors, so a response whose CSP allows
// framing gets none.
void add_security_headers(http::Headers& h, const http::Headers& set);

}  // namespace parley::app
