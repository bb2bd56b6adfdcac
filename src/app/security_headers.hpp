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

// Content-Security-Policy, X-Content-Type-Options, Referrer-Policy,
// X-Frame-Options, Cross-Origin-Opener-Policy, and Strict-Transport-Security
// when AUTH_URL is https. Cache-Control depends on the response and is not
// part of it.
http::Headers security_headers(const config::Config& cfg);

}  // namespace parley::app
