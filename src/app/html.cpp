#include "app/html.hpp"

#include <array>
#include <utility>

namespace parley::app {

namespace {

std::string page(std::string_view title, std::string_view body) {
  std::string out;
  out.reserve(1024 + body.size());
  out += "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
         "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
         "<title>";
  out += html_escape(title);
  // A data: icon: without one the browser fetches /favicon.ico, a page route.
  out += "</title><link rel=\"icon\" href=\"data:,\"><link rel=\"stylesheet\" "
         "href=\"/assets/parley.css\"></head><body><main>";
  out += body;
  out += "</main></body></html>\n";
  return out;
}

// Public reasons shown on the sign-in error page. Codes are ours, chosen by
// the callback handler; the IdP's error_description is never shown.
constexpr std::array<std::pair<std::string_view, std::string_view>, 7> kReasons = {{
    {"access_denied", "Sign-in was cancelled or access was denied by your organisation."},
    {"session_expired",
     "The sign-in took too long or was started in another browser window. Please try again."},
    {"invalid_token", "The identity provider's answer could not be verified, so you were not "
                      "signed in."},
    {"provider_unavailable",
     "The identity provider could not be reached. Please try again in a moment."},
    {"account_disabled", "Your account is disabled in Parley. Contact your administrator."},
    {"tenant_not_allowed", "Your organisation is not allowed to use this Parley instance."},
    {"too_many_attempts",
     "Too many sign-in attempts failed from your network. Please wait a minute and try again."},
}};

}  // namespace

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 16);
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out.push_back(c);
    }
  }
  return out;
}

std::string_view sign_in_error_text(std::string_view reason) {
  for (const auto& [code, text] : kReasons) {
    if (code == reason) return text;
  }
  return "Sign-in failed. Please try again.";
}

std::string render_signed_out_page() {
  return page("Signed out - Parley",
              "<h1>You are signed out</h1><section class=\"card\"><p>Your Parley session has "
              "ended.</p><p><a href=\"/api/auth/signin/microsoft-entra-id\">Sign in again</a></p>"
              "</section>");
}

std::string render_sign_in_error_page(std::string_view reason) {
  std::string body = "<h1>Sign-in failed</h1><section class=\"card\" role=\"alert\"><p>";
  body += html_escape(sign_in_error_text(reason));
  body += "</p><p><a href=\"/api/auth/signin/microsoft-entra-id\">Try again</a></p></section>";
  return page("Sign-in failed - Parley", body);
}

std::string render_account_disabled_page(std::string_view message) {
  std::string body = "<h1>Access disabled</h1><section class=\"card\" role=\"alert\"><p>";
  body += html_escape(message);
  body += "</p></section>";
  return page("Access disabled - Parley", body);
}

std::string render_not_found_page() {
  return page("Not found - Parley",
              "<h1>Not found</h1><section class=\"card\"><p>There is nothing here.</p>"
              "<p><a href=\"/\">Back to Parley</a></p></section>");
}

std::string render_frontchannel_logout_page(bool ok) {
  // No stylesheet: the page is framed by the IdP and never seen.
  return std::string("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                     "<title>Parley</title><link rel=\"icon\" href=\"data:,\"></head><body><p>") +
         (ok ? "Signed out of Parley." : "Not a valid front-channel logout request.") +
         "</p></body></html>\n";
}

std::string_view stylesheet() {
  return R"css(:root{color-scheme:light dark;--bg:#f6f7f9;--fg:#1c1e21;--card:#fff;--muted:#5f6670;--accent:#0b5cad}
@media (prefers-color-scheme:dark){:root{--bg:#15171a;--fg:#e8eaed;--card:#1f2226;--muted:#a0a6ad;--accent:#6aa7ff}}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;background:var(--bg);color:var(--fg)}
main{max-width:40rem;margin:3rem auto;padding:0 1rem}
.card{background:var(--card);border-radius:12px;padding:1.5rem;box-shadow:0 1px 3px rgba(0,0,0,.12)}
.name{font-size:1.4rem;font-weight:600;margin:0 0 1rem}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.4rem 1rem}dt{color:var(--muted)}dd{margin:0;overflow-wrap:anywhere}
a{color:var(--accent)}button{font:inherit;padding:.5rem 1rem;border-radius:8px;border:1px solid var(--muted);background:transparent;color:inherit;cursor:pointer}
button:focus-visible,a:focus-visible{outline:3px solid var(--accent);outline-offset:2px}
)css";
}

}  // namespace parley::app
