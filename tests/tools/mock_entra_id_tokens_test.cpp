// mock-entra-id over HTTP: client credentials, federated assertions and the
// control endpoint's knobs (the fixture: mock_entra_id_fixture.hpp).

#include "mock_entra_id_fixture.hpp"

namespace mock_entra_id_test {
namespace {

// --- client credentials ------------------------------------------------------

TEST_F(MockEntraId, ClientCredentialsWithSecretGivesAnAppToken) {
  httplib::Params form = {{"grant_type", "client_credentials"},
                          {"client_id", "svc-a"},
                          {"client_secret", "svc-a-secret"},
                          {"scope", "https://cognitiveservices.azure.com/.default"}};
  auto r = client().Post(path("/oauth2/v2.0/token").c_str(), form);
  ASSERT_EQ(r->status, 200) << r->body;
  const auto body = json::parse(r->body).as_object();
  EXPECT_EQ(body.at("token_type").as_string(), "Bearer");
  EXPECT_EQ(body.at("expires_in").as_int64(), 3599);
  const Jwt jwt = decode(std::string(body.at("access_token").as_string()));
  const auto jwk = jwk_for(std::string(jwt.header.at("kid").as_string()));
  ASSERT_TRUE(jwk);
  EXPECT_TRUE(verify_rs256(jwt, *jwk));
  const auto& c = jwt.payload;
  EXPECT_EQ(c.at("aud").as_string(), "https://cognitiveservices.azure.com");
  EXPECT_EQ(c.at("iss").as_string(), issuer());
  EXPECT_EQ(c.at("tid").as_string(), kTenant);
  EXPECT_EQ(c.at("azp").as_string(), "svc-a");
  EXPECT_EQ(c.at("appid").as_string(), "svc-a");
  EXPECT_EQ(c.at("idtyp").as_string(), "app");
  EXPECT_EQ(c.at("sub"), c.at("oid"));
  EXPECT_EQ(c.at("roles"), (json::array{"Chat.Use", "Admin.Read"}));

  // oid is stable per client id.
  auto r2 = client().Post(path("/oauth2/v2.0/token").c_str(), form);
  EXPECT_EQ(
      decode(std::string(json::parse(r2->body).at("access_token").as_string())).payload.at("oid"),
      c.at("oid"));
}

TEST_F(MockEntraId, ClientCredentialsRejectsBadSecretAndScope) {
  httplib::Params form = {{"grant_type", "client_credentials"},
                          {"client_id", "svc-a"},
                          {"client_secret", "nope"},
                          {"scope", "https://cognitiveservices.azure.com/.default"}};
  auto r = client().Post(path("/oauth2/v2.0/token").c_str(), form);
  EXPECT_EQ(r->status, 401);
  EXPECT_EQ(error_code(r), "invalid_client AADSTS7000215");
  httplib::Params scope = {{"grant_type", "client_credentials"},
                           {"client_id", "svc-a"},
                           {"client_secret", "svc-a-secret"},
                           {"scope", "https://cognitiveservices.azure.com/user_impersonation"}};
  r = client().Post(path("/oauth2/v2.0/token").c_str(), scope);
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(error_code(r), "invalid_scope AADSTS1002012");
}

TEST_F(MockEntraId, FederatedClientAssertionIsCheckedForSignatureAndTime) {
  const auto assertion = [](const std::string& body) {
    auto r = post_json("/_mock/federated-token", body);
    return std::string(json::parse(r->body).at("token").as_string());
  };
  const auto exchange = [](const std::string& token) {
    httplib::Params form = {
        {"grant_type", "client_credentials"},
        {"client_id", "workload-client"},
        {"client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"},
        {"client_assertion", token},
        {"scope", "https://cognitiveservices.azure.com/.default"}};
    return client().Post(path("/oauth2/v2.0/token").c_str(), form);
  };
  const std::string good = assertion(R"({"sub":"system:serviceaccount:ns:sa","exp_offset":600})");
  EXPECT_EQ(decode(good).payload.at("aud"), (json::array{"api://AzureADTokenExchange"}));
  auto ok = exchange(good);
  ASSERT_EQ(ok->status, 200) << ok->body;
  const Jwt at = decode(std::string(json::parse(ok->body).at("access_token").as_string()));
  EXPECT_EQ(at.payload.at("azp").as_string(), "workload-client");
  EXPECT_EQ(at.payload.at("aud").as_string(), "https://cognitiveservices.azure.com");

  auto expired = exchange(assertion(R"({"sub":"system:serviceaccount:ns:sa","exp_offset":-60})"));
  EXPECT_EQ(expired->status, 400);
  EXPECT_EQ(error_code(expired), "invalid_client AADSTS700024");
  EXPECT_NE(expired->body.find("not within its valid time range"), std::string::npos);

  auto unpublished = exchange(assertion(R"({"sign_with":"next"})"));
  EXPECT_EQ(error_code(unpublished), "invalid_client AADSTS700027");
  std::string tampered = good;
  tampered[tampered.size() - 5] = tampered[tampered.size() - 5] == 'A' ? 'B' : 'A';
  EXPECT_EQ(error_code(exchange(tampered)), "invalid_client AADSTS700027");
}

// --- control endpoint ---------------------------------------------------------

TEST_F(MockEntraId, IdTokenClaimKnobsChangeTheToken) {
  auto t = id_token_with(R"({"id_token":{"aud":["a","b"],"iss":"https://sts.windows.net/x/"}})");
  EXPECT_EQ(t.at("payload").at("aud"), (json::array{"a", "b"}));
  EXPECT_EQ(t.at("payload").at("iss").as_string(), "https://sts.windows.net/x/");

  // Merged into the current set, not replaced.
  t = id_token_with(R"({"id_token":{"nonce":null,"omit":["oid","tid"],"exp_offset":-600}})");
  EXPECT_EQ(t.at("payload").at("aud"), (json::array{"a", "b"}));
  EXPECT_FALSE(t.at("payload").as_object().contains("nonce"));
  EXPECT_FALSE(t.at("payload").as_object().contains("oid"));
  EXPECT_FALSE(t.at("payload").as_object().contains("tid"));
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  EXPECT_LT(t.at("payload").at("exp").as_int64(), now);

  ASSERT_EQ(post_json("/_mock/reset", "{}")->status, 200);
  t = id_token_with(
      R"({"id_token":{"nonce":"other","tid":"99999999-9999-9999-9999-999999999999"}})");
  EXPECT_EQ(t.at("payload").at("nonce").as_string(), "other");
  EXPECT_EQ(t.at("payload").at("tid").as_string(), "99999999-9999-9999-9999-999999999999");
}

TEST_F(MockEntraId, IdTokenHeaderKnobsForgeAlgKidAndKey) {
  auto t = id_token_with(R"({"id_token":{"alg":"none"}})");
  EXPECT_EQ(t.at("header").at("alg").as_string(), "none");
  const std::string raw(t.at("raw").as_string());
  EXPECT_EQ(raw.back(), '.');

  ASSERT_EQ(post_json("/_mock/reset", "{}")->status, 200);
  t = id_token_with(R"({"id_token":{"alg":"HS256"}})");
  EXPECT_EQ(t.at("header").at("alg").as_string(), "HS256");

  ASSERT_EQ(post_json("/_mock/reset", "{}")->status, 200);
  t = id_token_with(R"({"id_token":{"kid":null}})");
  EXPECT_FALSE(t.at("header").as_object().contains("kid"));

  ASSERT_EQ(post_json("/_mock/reset", "{}")->status, 200);
  t = id_token_with(
      R"({"id_token":{"sign_with":"next","extra_header":{"jku":"http://127.0.0.1:1/k"}}})");
  EXPECT_EQ(t.at("header").at("jku").as_string(), "http://127.0.0.1:1/k");
  const std::string kid(t.at("header").at("kid").as_string());
  EXPECT_FALSE(jwk_for(kid).has_value()) << "the next key is not published yet";
  ASSERT_EQ(post_json("/_mock/rotate-keys", "{}")->status, 200);
  const auto published = jwk_for(kid);
  ASSERT_TRUE(published.has_value()) << "after rotation the next key signs and is published";
  EXPECT_TRUE(verify_rs256(decode(std::string(t.at("raw").as_string())), *published));
}

TEST_F(MockEntraId, RotationRemovesTheOldSigningKey) {
  auto before = id_token_with("");
  const std::string old_kid(before.at("header").at("kid").as_string());
  ASSERT_TRUE(jwk_for(old_kid));
  ASSERT_EQ(post_json("/_mock/rotate-keys", "{}")->status, 200);
  EXPECT_FALSE(jwk_for(old_kid).has_value());
  auto after = id_token_with("");
  const std::string new_kid(after.at("header").at("kid").as_string());
  EXPECT_NE(new_kid, old_kid);
  const auto jwk = jwk_for(new_kid);
  ASSERT_TRUE(jwk);
  EXPECT_TRUE(verify_rs256(decode(std::string(after.at("raw").as_string())), *jwk));
}

TEST_F(MockEntraId, EndpointFailureKnobs) {
  ASSERT_EQ(post_json("/_mock/behaviour", R"({"jwks":{"status":500}})")->status, 200);
  EXPECT_EQ(client().Get(path("/discovery/v2.0/keys").c_str())->status, 500);

  ASSERT_EQ(
      post_json(
          "/_mock/behaviour",
          R"({"token_endpoint":{"status":200,"body":"<html>oops</html>","content_type":"text/html"}})")
          ->status,
      200);
  Pkce pkce;
  auto r = redeem(code_for("ada@example.com", pkce), pkce.verifier);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "<html>oops</html>");
  EXPECT_EQ(r->get_header_value("Content-Type"), "text/html");

  ASSERT_EQ(post_json("/_mock/reset", "{}")->status, 200);
  EXPECT_EQ(client().Get(path("/discovery/v2.0/keys").c_str())->status, 200);
  EXPECT_FALSE(id_token_with(R"({"token_endpoint":{"omit_id_token":true}})").contains("raw"));

  ASSERT_EQ(post_json("/_mock/behaviour",
                      R"({"authorize":{"error":"access_denied","error_description":"<b>no</b>"}})")
                ->status,
            200);
  httplib::Params p = authorize_params(pkce);
  p.emplace("login_hint", "ada@example.com");
  auto denied = client().Get(path("/oauth2/v2.0/authorize").c_str(), p, httplib::Headers{});
  ASSERT_EQ(denied->status, 302);
  auto q = query_of(denied->get_header_value("Location"));
  EXPECT_EQ(q["error"], "access_denied");
  EXPECT_EQ(q["error_description"], "<b>no</b>");
  EXPECT_EQ(q["state"], "st-456");
  EXPECT_TRUE(q["code"].empty());
}

TEST_F(MockEntraId, AccessTokenLifetimeKnob) {
  ASSERT_EQ(post_json("/_mock/behaviour", R"({"access_token_expires_in":120})")->status, 200);
  httplib::Params form = {{"grant_type", "client_credentials"},
                          {"client_id", "svc-a"},
                          {"client_secret", "svc-a-secret"},
                          {"scope", "api://x/.default"}};
  auto r = client().Post(path("/oauth2/v2.0/token").c_str(), form);
  ASSERT_EQ(r->status, 200);
  const auto body = json::parse(r->body).as_object();
  EXPECT_EQ(body.at("expires_in").as_int64(), 120);
  const Jwt jwt = decode(std::string(body.at("access_token").as_string()));
  EXPECT_EQ(jwt.payload.at("exp").as_int64() - jwt.payload.at("iat").as_int64(), 120);
  EXPECT_EQ(jwt.payload.at("aud").as_string(), "api://x");
}

TEST_F(MockEntraId, StatsCountRequestsAndReset) {
  ASSERT_EQ(post_json("/_mock/stats/reset", "{}")->status, 200);
  client().Get(path("/v2.0/.well-known/openid-configuration").c_str());
  client().Get(path("/discovery/v2.0/keys").c_str());
  httplib::Params form = {{"grant_type", "client_credentials"},
                          {"client_id", "svc-a"},
                          {"client_secret", "svc-a-secret"},
                          {"scope", "api://x/.default"}};
  client().Post(path("/oauth2/v2.0/token").c_str(), form);
  Pkce pkce;
  redeem(code_for("ada@example.com", pkce), pkce.verifier);
  const auto s = get_json("/_mock/stats");
  EXPECT_EQ(s.at("discovery_requests").as_int64(), 1);
  EXPECT_EQ(s.at("jwks_requests").as_int64(), 1);
  EXPECT_EQ(s.at("token_requests").as_int64(), 2);
  EXPECT_EQ(s.at("client_credentials_requests").as_int64(), 1);
  EXPECT_EQ(s.at("authorization_code_requests").as_int64(), 1);
  ASSERT_EQ(post_json("/_mock/stats/reset", "{}")->status, 200);
  EXPECT_EQ(get_json("/_mock/stats").at("token_requests").as_int64(), 0);
}

}  // namespace
}  // namespace mock_entra_id_test
