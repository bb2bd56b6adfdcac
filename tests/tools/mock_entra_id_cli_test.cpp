// mock-entra-id's command line: a users file, bad options (the helpers:
// mock_entra_id_fixture.hpp).

#include "mock_entra_id_fixture.hpp"

namespace mock_entra_id_test {
namespace {

// --- command line -------------------------------------------------------------

TEST(MockEntraIdCli, UsersFileReplacesUsersAndAForeignTenantUserGetsItsIssuer) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("mock-entra-cli-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  const std::string users = (dir / "users.json").string();
  const std::string port_file = (dir / "port").string();
  std::ofstream(users)
      << R"([{"id":"zed","name":"Zed <Other>","email":"zed@other.example",)"
         R"("oid":"aaaaaaaa-0000-4000-8000-000000000001",)"
         R"("tid":"99999999-9999-9999-9999-999999999999","roles":["reader","writer"]}])";
  int port = 0;
  const pid_t pid = spawn({"--port", "0", "--users", users, "--port-file", port_file, "--client-id",
                           kClient, "--client-secret", kSecret, "--redirect-uri", kRedirect},
                          port);
  ASSERT_GT(port, 0);
  std::string written;
  std::ifstream(port_file) >> written;
  EXPECT_EQ(written, std::to_string(port));

  httplib::Client c("127.0.0.1", port);
  const std::string foreign = "99999999-9999-9999-9999-999999999999";
  auto d = c.Get(("/" + foreign + "/v2.0/.well-known/openid-configuration").c_str());
  ASSERT_TRUE(d);
  EXPECT_EQ(d->status, 200) << "a user's tenant is a known tenant";

  const std::string verifier = random_verifier();
  httplib::Params p = {{"client_id", kClient},
                       {"redirect_uri", kRedirect},
                       {"response_type", "code"},
                       {"scope", "openid"},
                       {"nonce", "n"},
                       {"code_challenge", b64url(sha256(verifier))},
                       {"code_challenge_method", "S256"}};
  auto page = c.Get("/organizations/oauth2/v2.0/authorize", p, httplib::Headers{});
  ASSERT_TRUE(page);
  EXPECT_NE(page->body.find(">Zed &lt;Other&gt; (reader)</button>"), std::string::npos);
  EXPECT_EQ(page->body.find("Ada Lovelace"), std::string::npos);

  p.emplace("login_hint", "ZED@other.example");
  auto authz = c.Get("/organizations/oauth2/v2.0/authorize", p, httplib::Headers{});
  ASSERT_EQ(authz->status, 302);
  const std::string code = query_of(authz->get_header_value("Location"))["code"];
  httplib::Params form = {{"grant_type", "authorization_code"}, {"client_id", kClient},
                          {"client_secret", kSecret},           {"code", code},
                          {"redirect_uri", kRedirect},          {"code_verifier", verifier}};
  auto r = c.Post("/organizations/oauth2/v2.0/token", form);
  ASSERT_EQ(r->status, 200) << r->body;
  const Jwt jwt = decode(std::string(json::parse(r->body).at("id_token").as_string()));
  EXPECT_EQ(jwt.payload.at("tid").as_string(), foreign);
  EXPECT_EQ(jwt.payload.at("iss").as_string(),
            "http://127.0.0.1:" + std::to_string(port) + "/" + foreign + "/v2.0");
  EXPECT_EQ(jwt.payload.at("oid").as_string(), "aaaaaaaa-0000-4000-8000-000000000001");
  EXPECT_EQ(jwt.payload.at("roles"), (json::array{"reader", "writer"}));

  EXPECT_EQ(stop(pid), 0);
  std::filesystem::remove_all(dir);
}

TEST(MockEntraIdCli, BadOptionsExitWith2) {
  int port = 0;
  EXPECT_EQ(wait_exit(spawn({"--no-such-option", "x"}, port)), 2);
  EXPECT_EQ(port, 0);
  EXPECT_EQ(wait_exit(spawn({"--users", "/nonexistent/users.json"}, port)), 2);
}

}  // namespace
}  // namespace mock_entra_id_test
