// The route table's rules (app/routes.hpp): every route has a policy, every
// /api/admin route is admin-only, unsafe methods check Origin and CSRF.

#include "app/routes.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "config/config.hpp"

namespace parley::app {
namespace {

using http::Method;

boost::asio::awaitable<http::Response> noop(Services&, http::Request&, RequestContext&) {
  co_return http::Response{};
}

std::string problems_of(std::initializer_list<Route> table) {
  std::string out;
  for (const auto& p : route_policy_problems(std::vector<Route>(table))) out += p + "\n";
  return out;
}

TEST(RouteTable, FollowsEveryPolicyRule) {
  const auto problems = route_policy_problems(routes());
  std::string all;
  for (const auto& p : problems) all += p + "\n";
  EXPECT_TRUE(problems.empty()) << all;
}

TEST(RouteTable, EveryAdminRouteIsAdminOnly) {
  int admin_routes = 0;
  for (const Route& r : routes()) {
    if (r.pattern.starts_with("/api/admin/")) {
      ++admin_routes;
      EXPECT_EQ(r.policy, Policy::admin) << r.pattern;
    }
  }
  EXPECT_GE(admin_routes, 1);
}

// Public routes are a short, deliberate list: a new one must be added here.
TEST(RouteTable, PublicRoutesAreTheKnownOnes) {
  const std::set<std::string_view> expected = {
      "/api/auth/signin/microsoft-entra-id", "/api/auth/callback/microsoft-entra-id",
      "/api/auth/callback/azure-ad",         "/api/auth/callback/entra-id",
      "/api/auth/session",                   "/api/auth/csrf",
      "/api/auth/error",                     "/api/auth/frontchannel-logout",
      "/static/{file}",                      "/signed-out",
      "/assets/parley.css",                  "/healthz",
      "/readyz",                             "/metrics",
      "/api/openapi.json"};
  std::set<std::string_view> actual;
  for (const Route& r : routes()) {
    if (r.policy == Policy::public_) actual.insert(r.pattern);
  }
  EXPECT_EQ(actual, expected);
}

TEST(RoutePolicyRules, CatchAnAdminRouteWithoutTheAdminPolicy) {
  for (Policy p : {Policy::public_, Policy::session, Policy::session_csrf, Policy::page}) {
    EXPECT_NE(problems_of({Route{Method::get, "/api/admin/users", p, &noop}})
                  .find("GET /api/admin/users: an admin route needs Policy::admin"),
              std::string::npos)
        << to_string(p);
  }
  EXPECT_EQ(problems_of({Route{Method::get, "/api/admin/users", Policy::admin, &noop},
                         Route{Method::delete_, "/api/admin/users/{id}/data", Policy::admin, &noop}}),
            "");
}

TEST(RouteTable, EveryServiceApiRouteIsBearerOnly) {
  int v1_routes = 0;
  for (const Route& r : routes()) {
    if (r.pattern.starts_with("/v1/")) {
      ++v1_routes;
      EXPECT_EQ(r.policy, Policy::bearer) << r.pattern;
    } else {
      EXPECT_NE(r.policy, Policy::bearer) << r.pattern;
    }
  }
  EXPECT_EQ(v1_routes, 2);  // chat completions and models
}

TEST(RoutePolicyRules, CatchAServiceApiRouteWithoutTheBearerPolicy) {
  for (Policy p : {Policy::public_, Policy::session, Policy::session_csrf, Policy::origin_csrf,
                   Policy::page}) {
    EXPECT_NE(problems_of({Route{Method::post, "/v1/chat/completions", p, &noop}})
                  .find("POST /v1/chat/completions: a /v1 route needs Policy::bearer"),
              std::string::npos)
        << to_string(p);
  }
  EXPECT_NE(problems_of({Route{Method::get, "/api/things", Policy::bearer, &noop}})
                .find("GET /api/things: Policy::bearer outside /v1"),
            std::string::npos);
  // A bearer call needs no Origin/CSRF check: nothing ambient to forge.
  EXPECT_EQ(problems_of({Route{Method::post, "/v1/chat/completions", Policy::bearer, &noop},
                         Route{Method::get, "/v1/models", Policy::bearer, &noop}}),
            "");
}

TEST(RoutePolicyRules, CatchARouteWithoutAPolicy) {
  // A designated initializer that leaves the policy out gets Policy::unset.
  const Route forgotten{.method = Method::get, .pattern = "/api/things", .handler = &noop};
  EXPECT_NE(problems_of({forgotten}).find("GET /api/things: no policy"), std::string::npos);
}

TEST(RoutePolicyRules, CatchOtherMistakes) {
  EXPECT_NE(problems_of({Route{Method::get, "/api/other", Policy::admin, &noop}})
                .find("Policy::admin outside /api/admin"),
            std::string::npos);
  EXPECT_NE(problems_of({Route{Method::post, "/api/things", Policy::session, &noop}})
                .find("an unsafe method needs an Origin and CSRF check"),
            std::string::npos);
  EXPECT_NE(problems_of({Route{Method::get, "/api/things", Policy::page, &noop}})
                .find("an API route answers 401, not a redirect"),
            std::string::npos);
  EXPECT_NE(problems_of({Route{Method::get, "/x", Policy::page, &noop},
                         Route{Method::get, "/x", Policy::page, &noop}})
                .find("listed twice"),
            std::string::npos);
}

const Route* find_route(http::Method method, std::string_view pattern) {
  for (const Route& r : routes()) {
    if (r.method == method && r.pattern == pattern) return &r;
  }
  return nullptr;
}

TEST(RouteTable, EveryRouteHasAHandlerAndIsListedOnce) {
  std::set<std::pair<int, std::string_view>> seen;
  for (const Route& r : routes()) {
    EXPECT_NE(to_string(r.policy), "unknown") << r.pattern;
    EXPECT_NE(r.handler, nullptr) << r.pattern;
    EXPECT_TRUE(seen.emplace(static_cast<int>(r.method), r.pattern).second) << r.pattern;
  }
}

TEST(RouteTable, EveryKnownCallbackPathIsTheSameHandlerWithTheSamePolicy) {
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
