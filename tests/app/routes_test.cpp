// The route table (src/app/routes.cpp): every route has a policy, and the
// callback answers at each path next-auth used, exactly like the Auth.js one.

#include "app/routes.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "config/config.hpp"

namespace parley::app {
namespace {

const Route* find_route(http::Method method, std::string_view pattern) {
  for (const Route& r : routes()) {
    if (r.method == method && r.pattern == pattern) return &r;
  }
  return nullptr;
}

TEST(Routes, EveryRouteHasAPolicyAHandlerAndIsListedOnce) {
  std::set<std::pair<int, std::string_view>> seen;
  for (const Route& r : routes()) {
    EXPECT_NE(to_string(r.policy), "unknown") << r.pattern;
    EXPECT_NE(r.handler, nullptr) << r.pattern;
    EXPECT_TRUE(seen.emplace(static_cast<int>(r.method), r.pattern).second) << r.pattern;
  }
}

TEST(Routes, EveryKnownCallbackPathIsTheSameHandlerWithTheSamePolicy) {
  const Route* reference = find_route(http::Method::get, config::kDefaultCallbackPath);
  ASSERT_NE(reference, nullptr);
  EXPECT_EQ(reference->policy, Policy::public_);
  for (std::string_view path : config::kCallbackPaths) {
    const Route* r = find_route(http::Method::get, path);
    ASSERT_NE(r, nullptr) << path;
    EXPECT_EQ(r->handler, reference->handler) << path;
    EXPECT_EQ(r->policy, reference->policy) << path;
  }
  // And no other callback path: AUTH_CALLBACK_PATH accepts exactly these.
  const auto callbacks = std::count_if(routes().begin(), routes().end(), [](const Route& r) {
    return r.pattern.starts_with("/api/auth/callback/");
  });
  EXPECT_EQ(callbacks, static_cast<long>(config::kCallbackPaths.size()));
}

}  // namespace
}  // namespace parley::app
