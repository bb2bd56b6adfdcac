#pragma once
// Server-rendered public pages (signed-out, sign-in error, not found); the
// signed-in pages are the web UI. Every interpolated value goes
// through html_escape; pages carry no inline script or style (strict CSP).

#include <string>
#include <string_view>
#include <vector>

namespace parley::app {

std::string html_escape(std::string_view text);

std::string render_signed_out_page();
// `reason` is one of the fixed sign-in error codes (see sign_in_error_text);
// anything else renders the generic text. Nothing from the IdP is reflected.
std::string render_sign_in_error_page(std::string_view reason);
// The page a disabled user gets from sign-in: `message` is
// PARLEY_DISABLED_USER_MESSAGE (escaped here), and there is no "try again".
std::string render_account_disabled_page(std::string_view message);
std::string render_not_found_page();
// The front-channel logout answer: loaded by the IdP in a hidden iframe.
std::string render_frontchannel_logout_page(bool ok);
std::string_view sign_in_error_text(std::string_view reason);

// The stylesheet served at /assets/parley.css.
std::string_view stylesheet();

}  // namespace parley::app
