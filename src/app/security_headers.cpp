#include "app/security_headers.hpp"

namespace parley::app {

std::string content_security_policy(const config::Config& cfg) {
  std::string idp_origin;
  if (auto o = config::parse_origin(cfg.entra.issuer, true)) idp_origin = " " + o->text;
  return "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
         "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
         "form-action 'self'" +
         idp_origin + "; frame-ancestors 'none'";
}

std::string frontchannel_logout_csp(const config::Config& cfg) {
  std::string idp_origin = "'none'";
  if (auto o = config::parse_origin(cfg.entra.issuer, true)) idp_origin = o->text;
  return "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors " + idp_origin;
}

http::Headers security_headers(const config::Config& cfg) {
  http::Headers h;
  (void)h.set("Content-Security-Policy", content_security_policy(cfg));
  (void)h.set("X-Content-Type-Options", "nosniff");
  // no-referrer would make browsers send "Origin: null" and break sign-out.
  (void)h.set("Referrer-Policy", "strict-origin-when-cross-origin");
  (void)h.set("X-Frame-Options", "DENY");
  (void)h.set("Cross-Origin-Opener-Policy", "same-origin");
  if (cfg.auth_url.https()) {
    (void)h.set("Strict-Transport-Security", "max-age=63072000; includeSubDomains");
  }
  return h;
}

void add_security_headers(http::Headers& h, const http::Headers& set) {
  h.add_missing(set);
  if (auto csp = h.get("Content-Security-Policy");
      csp && csp->find("frame-ancestors 'none'") == std::string_view::npos) {
    h.erase("X-Frame-Options");
  }
}

}  // namespace parley::app
