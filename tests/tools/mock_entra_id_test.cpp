// mock-entra-id over HTTP: discovery, keys and the authorization code flow
// (the fixture: mock_entra_id_fixture.hpp).

#include "mock_entra_id_fixture.hpp"

namespace mock_entra_id_test {
namespace {

// --- discovery ------------------------------------------------------------------

TEST_F(MockEntraId, DiscoveryHasEntraShapeWithLoopbackIssuer) {
  const auto d = get_json(path("/v2.0/.well-known/openid-configuration"));
  EXPECT_EQ(d.at("issuer").as_string(), issuer());
  EXPECT_EQ(d.at("authorization_endpoint").as_string(), origin() + path("/oauth2/v2.0/authorize"));
  EXPECT_EQ(d.at("token_endpoint").as_string(), origin() + path("/oauth2/v2.0/token"));
  EXPECT_EQ(d.at("jwks_uri").as_string(), origin() + path("/discovery/v2.0/keys"));
  EXPECT_EQ(d.at("end_session_endpoint").as_string(), origin() + path("/oauth2/v2.0/logout"));
  EXPECT_EQ(d.at("id_token_signing_alg_values_supported"), (json::array{"RS256"}));
  EXPECT_EQ(d.at("subject_types_supported"), (json::array{"pairwise"}));
}

TEST_F(MockEntraId, OrganizationsDiscoveryCarriesTheTenantIdTemplate) {
  const auto d = get_json("/organizations/v2.0/.well-known/openid-configuration");
  EXPECT_EQ(d.at("issuer").as_string(), origin() + "/{tenantid}/v2.0");
  EXPECT_EQ(d.at("token_endpoint").as_string(), origin() + "/organizations/oauth2/v2.0/token");
}

TEST_F(MockEntraId, UnknownTenantIsAadsts90002) {
  auto r =
      client().Get("/22222222-0000-0000-0000-000000000000/v2.0/.well-known/openid-configuration");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(error_code(r), "invalid_tenant AADSTS90002");
}

TEST_F(MockEntraId, JwksPublishesTwoRsaSigningKeysWithKid) {
  const auto keys = get_json(path("/discovery/v2.0/keys")).at("keys").as_array();
  ASSERT_EQ(keys.size(), 2u);
  for (const auto& k : keys) {
    EXPECT_EQ(k.at("kty").as_string(), "RSA");
    EXPECT_EQ(k.at("use").as_string(), "sig");
    EXPECT_EQ(k.at("kid").as_string(), k.at("x5t").as_string());
    EXPECT_EQ(k.at("e").as_string(), "AQAB");
    EXPECT_EQ(unb64url(std::string(k.at("n").as_string())).size(), 256u);
  }
  EXPECT_NE(keys[0].at("kid"), keys[1].at("kid"));
}

// --- authorization code flow -------------------------------------------------

TEST_F(MockEntraId, LoginHintCodeExchangeGivesAVerifiableEntraIdToken) {
  Pkce pkce;
  const std::string code = code_for("ada@example.com", pkce, "nonce-abc");
  ASSERT_FALSE(code.empty());
  auto r = redeem(code, pkce.verifier);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  const auto body = json::parse(r->body).as_object();
  EXPECT_EQ(body.at("token_type").as_string(), "Bearer");
  EXPECT_EQ(body.at("scope").as_string(), "openid profile email");
  EXPECT_EQ(body.at("expires_in").as_int64(), 3599);
  EXPECT_EQ(body.at("ext_expires_in").as_int64(), 3599);
  ASSERT_TRUE(body.contains("access_token"));

  const Jwt jwt = decode(std::string(body.at("id_token").as_string()));
  EXPECT_EQ(jwt.header.at("alg").as_string(), "RS256");
  EXPECT_EQ(jwt.header.at("typ").as_string(), "JWT");
  const std::string kid(jwt.header.at("kid").as_string());
  const auto jwk = jwk_for(kid);
  ASSERT_TRUE(jwk.has_value()) << "kid is published";
  EXPECT_TRUE(verify_rs256(jwt, *jwk));

  const auto& c = jwt.payload;
  EXPECT_EQ(c.at("ver").as_string(), "2.0");
  EXPECT_EQ(c.at("iss").as_string(), issuer());
  EXPECT_EQ(c.at("aud").as_string(), kClient);
  EXPECT_EQ(c.at("tid").as_string(), kTenant);
  EXPECT_EQ(c.at("nonce").as_string(), "nonce-abc");
  EXPECT_EQ(c.at("name").as_string(), "Ada Lovelace");
  EXPECT_EQ(c.at("preferred_username").as_string(), "ada@example.com");
  EXPECT_EQ(c.at("email").as_string(), "ada@example.com");
  EXPECT_EQ(c.at("roles"), (json::array{"Parley.Admin"}));
  EXPECT_EQ(c.at("oid").as_string().size(), 36u);
  EXPECT_EQ(c.at("sub").as_string().size(), 43u);
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  EXPECT_NEAR(static_cast<double>(c.at("exp").as_int64()), static_cast<double>(now + 3600), 30);
  EXPECT_NEAR(static_cast<double>(c.at("iat").as_int64()), static_cast<double>(now), 30);
  EXPECT_TRUE(c.contains("aio"));
  EXPECT_TRUE(c.contains("uti"));
}

TEST_F(MockEntraId, UserWithoutRolesHasNoRolesClaimAndHeavyUserHas250) {
  Pkce a;
  auto r = redeem(code_for("grace@example.com", a), a.verifier);
  ASSERT_EQ(r->status, 200);
  const Jwt grace = decode(std::string(json::parse(r->body).at("id_token").as_string()));
  EXPECT_FALSE(grace.payload.contains("roles"));
  Pkce b;
  r = redeem(code_for("heavy@example.com", b), b.verifier);
  ASSERT_EQ(r->status, 200);
  const Jwt heavy = decode(std::string(json::parse(r->body).at("id_token").as_string()));
  ASSERT_EQ(heavy.payload.at("roles").as_array().size(), 250u);
  EXPECT_EQ(heavy.payload.at("roles").as_array()[0].as_string(),
            "Project.3f000001-7c1d-4e2f-9a3b-000000001001.Member");
  EXPECT_EQ(heavy.payload.at("roles").as_array()[249].as_string(),
            "Project.3f0000fa-7c1d-4e2f-9a3b-0000000010fa.Member");
  EXPECT_GT(std::string(json::parse(r->body).at("id_token").as_string()).size(), 16u * 1024)
      << "about 20 KB, like Entra's for such a user";
}

TEST_F(MockEntraId, CodeIsSingleUse) {
  Pkce pkce;
  const std::string code = code_for("ada@example.com", pkce);
  ASSERT_EQ(redeem(code, pkce.verifier)->status, 200);
  auto again = redeem(code, pkce.verifier);
  EXPECT_EQ(again->status, 400);
  EXPECT_EQ(error_code(again), "invalid_grant AADSTS54005");
  const auto body = json::parse(again->body).as_object();
  EXPECT_EQ(body.at("error_codes"), (json::array{54005}));
  EXPECT_TRUE(body.contains("timestamp"));
  EXPECT_TRUE(body.contains("trace_id"));
  EXPECT_TRUE(body.contains("correlation_id"));
}

TEST_F(MockEntraId, UnknownCodeIsAadsts70008) {
  Pkce pkce;
  EXPECT_EQ(error_code(redeem("1.mock.nothing", pkce.verifier)), "invalid_grant AADSTS70008");
}

TEST_F(MockEntraId, WrongCodeVerifierIsAadsts501481) {
  Pkce pkce;
  const std::string code = code_for("ada@example.com", pkce);
  auto r = redeem(code, random_verifier());
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(error_code(r), "invalid_grant AADSTS501481");
}

TEST_F(MockEntraId, WrongRedirectUriAtTokenIsAadsts500112) {
  Pkce pkce;
  const std::string code = code_for("ada@example.com", pkce);
  auto r = redeem(code, pkce.verifier, kSecret, "http://localhost:9/other");
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(error_code(r), "invalid_grant AADSTS500112");
}

TEST_F(MockEntraId, WrongClientSecretIs401Aadsts7000215) {
  Pkce pkce;
  const std::string code = code_for("ada@example.com", pkce);
  auto r = redeem(code, pkce.verifier, "not-the-secret");
  EXPECT_EQ(r->status, 401);
  EXPECT_EQ(error_code(r), "invalid_client AADSTS7000215");
}

TEST_F(MockEntraId, ClientSecretBasicIsAccepted) {
  Pkce pkce;
  const std::string code = code_for("ada@example.com", pkce);
  httplib::Params form = {{"grant_type", "authorization_code"},
                          {"code", code},
                          {"redirect_uri", kRedirect},
                          {"code_verifier", pkce.verifier}};
  httplib::Headers h = {httplib::make_basic_authentication_header(kClient, kSecret)};
  auto r = client().Post(path("/oauth2/v2.0/token").c_str(), h, form);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200) << r->body;
}

TEST_F(MockEntraId, UnregisteredRedirectUriShowsAnErrorPageNotARedirect) {
  Pkce pkce;
  httplib::Params p = authorize_params(pkce);
  p.erase("redirect_uri");
  p.emplace("redirect_uri", "https://evil.example/cb");
  auto r = client().Get(path("/oauth2/v2.0/authorize").c_str(), p, httplib::Headers{});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_FALSE(r->has_header("Location"));
  EXPECT_NE(r->body.find("AADSTS50011"), std::string::npos);
}

TEST_F(MockEntraId, UnknownClientIdShowsAadsts700016Page) {
  Pkce pkce;
  httplib::Params p = authorize_params(pkce);
  p.erase("client_id");
  p.emplace("client_id", "<b>someone</b>");
  auto r = client().Get(path("/oauth2/v2.0/authorize").c_str(), p, httplib::Headers{});
  EXPECT_EQ(r->status, 400);
  EXPECT_NE(r->body.find("AADSTS700016"), std::string::npos);
  EXPECT_EQ(r->body.find("<b>someone"), std::string::npos) << "reflected input is escaped";
}

TEST_F(MockEntraId, MissingPkceRedirectsBackWithInvalidRequest) {
  Pkce pkce;
  httplib::Params p = authorize_params(pkce);
  p.erase("code_challenge");
  auto r = client().Get(path("/oauth2/v2.0/authorize").c_str(), p, httplib::Headers{});
  ASSERT_EQ(r->status, 302);
  auto q = query_of(r->get_header_value("Location"));
  EXPECT_EQ(q["error"], "invalid_request");
  EXPECT_EQ(q["error_description"].rfind("AADSTS", 0), 0u);
  EXPECT_EQ(q["state"], "st-456");
}

TEST_F(MockEntraId, PickerShowsOneEscapedButtonPerUserAndPickIssuesACode) {
  Pkce pkce;
  httplib::Params p = authorize_params(pkce);
  p.erase("state");
  p.emplace("state", "\"><script>x</script>");
  auto page = client().Get(path("/oauth2/v2.0/authorize").c_str(), p, httplib::Headers{});
  ASSERT_EQ(page->status, 200);
  EXPECT_NE(page->body.find(">Ada Lovelace (Parley.Admin)</button>"), std::string::npos);
  EXPECT_NE(page->body.find(">Grace Hopper (user)</button>"), std::string::npos);
  EXPECT_NE(page->body.find(">Role Heavy (250 roles)</button>"), std::string::npos);
  EXPECT_EQ(page->body.find("<script>"), std::string::npos);
  EXPECT_NE(page->body.find("/oauth2/v2.0/authorize/pick"), std::string::npos);

  p.emplace("user", "grace");
  auto picked = client().Post(path("/oauth2/v2.0/authorize/pick").c_str(), p);
  ASSERT_EQ(picked->status, 302);
  auto q = query_of(picked->get_header_value("Location"));
  EXPECT_EQ(q["state"], "\"><script>x</script>");
  auto r = redeem(q["code"], pkce.verifier);
  ASSERT_EQ(r->status, 200);
  const Jwt jwt = decode(std::string(json::parse(r->body).at("id_token").as_string()));
  EXPECT_EQ(jwt.payload.at("name").as_string(), "Grace Hopper");
}

TEST_F(MockEntraId, PromptNoneNeedsTheSsoCookie) {
  Pkce pkce;
  httplib::Params p = authorize_params(pkce);
  p.emplace("prompt", "none");
  auto silent = client().Get(path("/oauth2/v2.0/authorize").c_str(), p, httplib::Headers{});
  ASSERT_EQ(silent->status, 302);
  auto q = query_of(silent->get_header_value("Location"));
  EXPECT_EQ(q["error"], "login_required");
  EXPECT_EQ(q["error_description"].rfind("AADSTS50058", 0), 0u);
  EXPECT_EQ(q["state"], "st-456");

  httplib::Params hint = authorize_params(pkce);
  hint.emplace("login_hint", "ada@example.com");
  auto first = client().Get(path("/oauth2/v2.0/authorize").c_str(), hint, httplib::Headers{});
  const std::string set_cookie = first->get_header_value("Set-Cookie");
  ASSERT_FALSE(set_cookie.empty());
  const std::string cookie = set_cookie.substr(0, set_cookie.find(';'));
  auto again =
      client().Get(path("/oauth2/v2.0/authorize").c_str(), p, httplib::Headers{{"Cookie", cookie}});
  ASSERT_EQ(again->status, 302);
  q = query_of(again->get_header_value("Location"));
  EXPECT_FALSE(q["code"].empty());
  auto redeemed = redeem(q["code"], pkce.verifier);
  ASSERT_EQ(redeemed->status, 200);
  const Jwt silent_token =
      decode(std::string(json::parse(redeemed->body).at("id_token").as_string()));
  const std::string sid(silent_token.payload.at("sid").as_string());
  EXPECT_EQ(sid.size(), 36u) << "a GUID, like Entra's";

  // Logout ends the SSO session and loads each app's front-channel logout
  // URL with ?sid= (no iss, as Entra) in a hidden iframe, then continues.
  auto out =
      client().Get(path("/oauth2/v2.0/logout").c_str(),
                   httplib::Params{{"post_logout_redirect_uri", "http://127.0.0.1:9/signed-out"}},
                   httplib::Headers{{"Cookie", cookie}});
  ASSERT_EQ(out->status, 200);
  EXPECT_NE(out->body.find("<iframe hidden class=\"fcl\" src=\"http://127.0.0.1:9/api/auth/"
                           "frontchannel-logout?sid=" + sid + "\""),
            std::string::npos)
      << out->body;
  EXPECT_NE(out->body.find("href=\"http://127.0.0.1:9/signed-out\""), std::string::npos);
  EXPECT_NE(out->get_header_value("Set-Cookie").find("Max-Age=0"), std::string::npos);
  // The SSO session is over: silent sign-in needs a login again, and a second
  // logout has no app to tell.
  auto after =
      client().Get(path("/oauth2/v2.0/authorize").c_str(), p, httplib::Headers{{"Cookie", cookie}});
  EXPECT_EQ(query_of(after->get_header_value("Location"))["error"], "login_required");
  auto twice =
      client().Get(path("/oauth2/v2.0/logout").c_str(),
                   httplib::Params{{"post_logout_redirect_uri", "http://127.0.0.1:9/signed-out"}},
                   httplib::Headers{{"Cookie", cookie}});
  ASSERT_EQ(twice->status, 302);
  EXPECT_EQ(twice->get_header_value("Location"), "http://127.0.0.1:9/signed-out");
}

TEST_F(MockEntraId, LogoutToAForeignOriginShowsAPageInstead) {
  auto out = client().Get(path("/oauth2/v2.0/logout").c_str(),
                          httplib::Params{{"post_logout_redirect_uri", "https://evil.example/"}},
                          httplib::Headers{});
  EXPECT_EQ(out->status, 200);
  EXPECT_NE(out->body.find("signed out"), std::string::npos);
}

}  // namespace
}  // namespace mock_entra_id_test
