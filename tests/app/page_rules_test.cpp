// What a signed-out page request gets, and what our own HTML pages ask the
// browser to fetch: only navigations go to sign-in, and no server page makes
// the browser fetch /favicon.ico (a page route) on its own.

#include <gtest/gtest.h>

#include "app/app.hpp"
#include "app/html.hpp"

namespace parley::app {
namespace {

http::Request page_request(std::initializer_list<std::pair<const char*, const char*>> headers) {
  http::Request req;
  req.method = http::Method::get;
  req.path = "/favicon.ico";
  for (const auto& [name, value] : headers) (void)req.headers.add(name, value);
  return req;
}

TEST(PageRules, NavigationsGoToSignIn) {
  EXPECT_TRUE(is_navigation(page_request({})));  // curl, old browsers
  EXPECT_TRUE(is_navigation(page_request({{"Sec-Fetch-Mode", "navigate"}})));
  EXPECT_TRUE(is_navigation(page_request({{"sec-fetch-mode", "navigate"}})));
}

TEST(PageRules, SubresourcesAndScriptsDoNot) {
  EXPECT_FALSE(is_navigation(page_request({{"Sec-Fetch-Mode", "no-cors"},
                                           {"Sec-Fetch-Dest", "image"}})));
  EXPECT_FALSE(is_navigation(page_request({{"Sec-Fetch-Mode", "cors"}})));
  EXPECT_FALSE(is_navigation(page_request({{"Sec-Fetch-Mode", "same-origin"}})));
}

TEST(PageRules, EveryServerPageDeclaresADataIcon) {
  for (const std::string& html :
       {render_signed_out_page(), render_sign_in_error_page("access_denied"),
        render_account_disabled_page("Contact the service desk."), render_not_found_page(),
        render_frontchannel_logout_page(true), render_frontchannel_logout_page(false)}) {
    EXPECT_NE(html.find("<link rel=\"icon\" href=\"data:,\">"), std::string::npos) << html;
  }
}

}  // namespace
}  // namespace parley::app
