// Sign-in with a federated credential instead of a client secret: the app
// registration trusts the cluster's service-account token issuer, and Parley
// sends the projected token as client_assertion at the token endpoint.

#include <httplib.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>

#include "integration/signin_fixture.hpp"

namespace parley::testing {
namespace {

namespace json = boost::json;

class FederatedSignIn : public E2E {
 protected:
  std::filesystem::path token_file = std::filesystem::temp_directory_path() /
                                     ("parley-signin-token-" + std::to_string(::getpid()));
  void TearDown() override { std::filesystem::remove(token_file); }

  // A token as the kubelet projects it, issued by the mock's federation issuer
  // (or another one, `request` overriding its claims).
  void project_token(const std::string& request = "{}") {
    httplib::Client c("127.0.0.1", idp().port());
    auto r = c.Post("/_mock/federated-token", request, "application/json");
    ASSERT_TRUE(r && r->status == 200);
    std::ofstream(token_file, std::ios::trunc)
        << json::parse(r->body).at("token").as_string().c_str() << "\n";
  }

  std::unique_ptr<Parley> federated_parley() {
    ParleyOptions o;
    o.port = second_port();
    o.database_url = database_url();
    o.issuer = idp().issuer();
    o.env["AUTH_MICROSOFT_ENTRA_ID_SECRET"] = "";  // empty counts as unset
    o.env["AUTH_MICROSOFT_ENTRA_ID_FEDERATED_TOKEN_FILE"] = token_file.string();
    return std::make_unique<Parley>(o);
  }

  SignInAttempt sign_in_at(Browser& b, const std::string& login_hint) {
    SignInAttempt a;
    a.start = b.get("/api/auth/signin/microsoft-entra-id?callbackUrl=/");
    if (a.start.status != 302) return a;
    a.authorize = b.get(a.start.location() + "&login_hint=" + url_encode(login_hint));
    if (a.authorize.status != 302) return a;
    a.callback = b.get(a.authorize.location());
    return a;
  }
};

TEST_F(FederatedSignIn, AProjectedTokenSignsTheUserInWithoutAnySecret) {
  project_token();
  auto server = federated_parley();
  Browser b(server->port());
  const SignInAttempt a = sign_in_at(b, "ada@example.com");
  ASSERT_EQ(a.callback.status, 302) << a.callback.body;
  EXPECT_EQ(a.callback.location(), "/");
  EXPECT_EQ(json::parse(b.get("/api/auth/session").body).at("user").at("email").as_string(),
            "ada@example.com");
}

TEST_F(FederatedSignIn, ATokenFromAnUntrustedIssuerIsRefusedByTheIdp) {
  project_token(R"({"iss":"https://attacker.example/"})");
  auto server = federated_parley();
  Browser b(server->port());
  const SignInAttempt a = sign_in_at(b, "ada@example.com");
  ASSERT_EQ(a.callback.status, 302);
  EXPECT_TRUE(a.callback.location().starts_with("/api/auth/error?error="))
      << a.callback.location();
  EXPECT_EQ(b.get("/api/auth/session").body, "null");
}

TEST_F(FederatedSignIn, AMissingTokenFileIsAProviderProblemNotACrash) {
  auto server = federated_parley();  // no token projected yet
  Browser b(server->port());
  const SignInAttempt a = sign_in_at(b, "ada@example.com");
  ASSERT_EQ(a.callback.status, 302);
  EXPECT_EQ(a.callback.location(), "/api/auth/error?error=provider_unavailable");
  EXPECT_EQ(b.get("/healthz").status, 200);
}

}  // namespace
}  // namespace parley::testing
