// Moving from the Next.js app (DESIGN.md, "Migrating from the Next.js app"):
// the app registration of a next-auth deployment keeps working. Its redirect
// URI used next-auth's callback path, which Parley answers too and sends when
// AUTH_CALLBACK_PATH says so; `parley doctor` prints the URI in use.

#include <algorithm>
#include <boost/json.hpp>

#include "integration/signin_fixture.hpp"

namespace parley::testing {
namespace {

namespace json = boost::json;

constexpr const char* kAzureAdPath = "/api/auth/callback/azure-ad";

// The line of doctor check `name` ("<status>  <name>  <detail>"), or "".
std::string doctor_line(const std::string& output, const std::string& name) {
  std::size_t pos = 0;
  while (pos < output.size()) {
    const std::size_t end = output.find('\n', pos);
    const std::string line = output.substr(pos, end - pos);
    const std::size_t at = line.find("  " + name + " ");
    if (at != std::string::npos && at <= 4) return line;
    if (end == std::string::npos) break;
    pos = end + 1;
  }
  return "";
}

class NextAuthMigration : public E2E {
 protected:
  // A parley on the port whose azure-ad callback the IdP has registered.
  std::unique_ptr<Parley> parley_with(const std::map<std::string, std::string>& env) {
    ParleyOptions o;
    o.port = second_port();
    o.database_url = database_url();
    o.issuer = idp().issuer();
    o.env = env;
    return std::make_unique<Parley>(o);
  }
};

TEST_F(NextAuthMigration, SignsInThroughTheNextAuthV4CallbackPathWhenConfigured) {
  auto server = parley_with({{"AUTH_CALLBACK_PATH", kAzureAdPath}});
  Browser b(server->port());
  SignInAttempt a;
  a.start = b.get("/api/auth/signin/microsoft-entra-id?callbackUrl=%2Fc%2Fx");
  ASSERT_EQ(a.start.status, 302);
  // (cpp-httplib hands header values over percent-decoded.)
  EXPECT_NE(a.start.location().find("&redirect_uri=" + server->origin() + kAzureAdPath + "&"),
            std::string::npos)
      << a.start.location();
  a.authorize = b.get(a.start.location() + "&login_hint=" + url_encode("ada@example.com"));
  ASSERT_EQ(a.authorize.status, 302) << a.authorize.body;
  EXPECT_TRUE(a.authorize.location().starts_with(server->origin() + kAzureAdPath + "?"))
      << a.authorize.location();
  // The code is redeemed with the same redirect_uri (the IdP checks it).
  a.callback = b.get(a.authorize.location());
  ASSERT_EQ(a.callback.status, 302) << a.callback.body;
  EXPECT_EQ(a.callback.location(), "/c/x");
  const json::value session = json::parse(session_json(b));
  ASSERT_TRUE(session.is_object()) << session;
  EXPECT_EQ(session.at("user").at("email").as_string(), "ada@example.com");
}

TEST_F(NextAuthMigration, EveryCallbackPathAnswersLikeTheAuthJsOne) {
  Browser b = browser();
  const HttpResult reference = b.get("/api/auth/callback/microsoft-entra-id?code=x&state=y");
  ASSERT_EQ(reference.status, 302);
  for (const char* path : {"/api/auth/callback/azure-ad", "/api/auth/callback/entra-id"}) {
    const HttpResult r = b.get(std::string(path) + "?code=x&state=y");
    EXPECT_EQ(r.status, reference.status) << path;
    EXPECT_EQ(r.location(), reference.location()) << path;
    EXPECT_EQ(r.header("content-security-policy"), reference.header("content-security-policy"));
  }
  // A sign-in the IdP sends back to another of the paths completes too: the
  // handler does not care which path it answers at.
  Browser c = browser();
  SignInAttempt a;
  a.start = c.get("/api/auth/signin/microsoft-entra-id?callbackUrl=/");
  ASSERT_EQ(a.start.status, 302);
  a.authorize = c.get(a.start.location() + "&login_hint=" + url_encode("ada@example.com"));
  ASSERT_EQ(a.authorize.status, 302);
  std::string back = a.authorize.location();
  const std::string from = "/api/auth/callback/microsoft-entra-id?";
  back.replace(back.find(from), from.size(), "/api/auth/callback/entra-id?");
  // The redirect_uri in the token exchange is the configured one, so the code
  // is still redeemed: the sign-in completes.
  a.callback = c.get(back);
  ASSERT_EQ(a.callback.status, 302);
  EXPECT_EQ(a.callback.location(), "/");
  EXPECT_TRUE(c.cookie("parley.session").has_value());
}

TEST_F(NextAuthMigration, AnUnknownCallbackPathIsAConfigurationError) {
  auto env = parley_env(database_url(), idp().issuer(), 3999);
  env["AUTH_CALLBACK_PATH"] = "/api/auth/callback/google";
  const CommandResult r = run_parley_command({"serve"}, env);
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.output.find("AUTH_CALLBACK_PATH: must be one of"), std::string::npos) << r.output;
  EXPECT_EQ(std::count(r.output.begin(), r.output.end(), '\n'), 1) << r.output;
}

TEST_F(NextAuthMigration, DoctorPrintsTheRedirectUriAndWarnsWhenTheIdpRefusesIt) {
  auto env = parley_env(database_url(), idp().issuer(), second_port());
  env["AUTH_CALLBACK_PATH"] = kAzureAdPath;
  CommandResult r = run_parley_command({"doctor"}, env);
  std::string line = doctor_line(r.output, "redirect_uri");
  EXPECT_TRUE(line.starts_with("ok")) << r.output;
  EXPECT_NE(line.find(Parley::callback_uri(second_port(), kAzureAdPath)), std::string::npos)
      << line;

  // The entra-id path is not registered for this app: Entra would refuse it
  // (AADSTS50011) and so does the mock; doctor says so before anyone signs in.
  env["AUTH_CALLBACK_PATH"] = "/api/auth/callback/entra-id";
  r = run_parley_command({"doctor"}, env);
  line = doctor_line(r.output, "redirect_uri");
  EXPECT_TRUE(line.starts_with("warn")) << r.output;
  EXPECT_NE(line.find(Parley::callback_uri(second_port(), "/api/auth/callback/entra-id")),
            std::string::npos);
  EXPECT_NE(line.find("AADSTS50011"), std::string::npos) << line;
}

TEST_F(NextAuthMigration, TheNextJsAppsVariableNamesStartParleyWithOneWarningEach) {
  const std::string secret = "nextauth-secret-value-0123456789abcdefghijkl";
  auto server = parley_with({{"AUTH_URL", ""},
                             {"AUTH_SECRET", ""},
                             {"AUTH_MICROSOFT_ENTRA_ID_ID", ""},
                             {"AUTH_MICROSOFT_ENTRA_ID_SECRET", ""},
                             {"NEXTAUTH_URL", "http://127.0.0.1:" + std::to_string(second_port())},
                             {"NEXTAUTH_SECRET", secret},
                             {"AZURE_AD_CLIENT_ID", kClientId},
                             {"AZURE_AD_CLIENT_SECRET", kClientSecret},
                             {"AUTH_CALLBACK_PATH", kAzureAdPath}});
  Browser b(server->port());
  SignInAttempt a;
  a.start = b.get("/api/auth/signin/microsoft-entra-id?callbackUrl=/");
  ASSERT_EQ(a.start.status, 302);
  a.authorize = b.get(a.start.location() + "&login_hint=" + url_encode("ada@example.com"));
  ASSERT_EQ(a.authorize.status, 302) << a.authorize.body;
  a.callback = b.get(a.authorize.location());
  ASSERT_EQ(a.callback.status, 302);
  EXPECT_EQ(a.callback.location(), "/");
  EXPECT_TRUE(b.cookie("parley.session").has_value());

  const std::string log = server->log();
  for (const char* renamed :
       {R"("variable":"NEXTAUTH_URL","use":"AUTH_URL")",
        R"("variable":"NEXTAUTH_SECRET","use":"AUTH_SECRET")",
        R"("variable":"AZURE_AD_CLIENT_ID","use":"AUTH_MICROSOFT_ENTRA_ID_ID")",
        R"("variable":"AZURE_AD_CLIENT_SECRET","use":"AUTH_MICROSOFT_ENTRA_ID_SECRET")"}) {
    const std::size_t at = log.find(renamed);
    EXPECT_NE(at, std::string::npos) << renamed << "\n" << log;
    EXPECT_EQ(log.find(renamed, at + 1), std::string::npos) << "one warning: " << renamed;
  }
  EXPECT_EQ(log.find("config.redundant_variable"), std::string::npos);
  EXPECT_EQ(log.find(secret), std::string::npos);
  EXPECT_EQ(log.find(kClientSecret), std::string::npos);
}

TEST_F(NextAuthMigration, AnOldAndANewNameThatDisagreeStopTheStartNamingBoth) {
  auto env = parley_env(database_url(), idp().issuer(), 3999);
  env["NEXTAUTH_SECRET"] = "a-different-secret-0123456789abcdefghijklmnop";
  CommandResult r = run_parley_command({"serve"}, env);
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.output,
            "parley: configuration error: NEXTAUTH_SECRET: set to another value than AUTH_SECRET, "
            "its new name; keep only AUTH_SECRET\n");

  // The issuer next-auth derives from AZURE_AD_TENANT_ID is Microsoft's, not this one.
  env = parley_env(database_url(), idp().issuer(), 3999);
  env["AZURE_AD_TENANT_ID"] = kTenant;
  r = run_parley_command({"serve"}, env);
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.output.find("AZURE_AD_TENANT_ID: set to another value than "
                          "AUTH_MICROSOFT_ENTRA_ID_ISSUER"),
            std::string::npos)
      << r.output;

  // The same value twice is fine; doctor lists the redundant name.
  env = parley_env(database_url(), idp().issuer(), 3999);
  env["AZURE_AD_CLIENT_ID"] = kClientId;
  r = run_parley_command({"doctor"}, env);
  const std::string line = doctor_line(r.output, "config.alias");
  EXPECT_TRUE(line.starts_with("warn")) << r.output;
  EXPECT_NE(line.find("AZURE_AD_CLIENT_ID is redundant"), std::string::npos) << r.output;
}

TEST_F(NextAuthMigration, TheMockDevClientAcceptsEveryCallbackPath) {
  MockEntra dev({});  // the dev defaults, as `make dev` without arguments
  for (const char* path : {"microsoft-entra-id", "azure-ad", "entra-id"}) {
    const std::string uri = std::string("http://localhost:3000/api/auth/callback/") + path;
    Browser b(dev.port());
    const HttpResult r =
        b.get(dev.base() + "/" + kTenant + "/oauth2/v2.0/authorize?client_id=" + kClientId +
              "&response_type=code&scope=openid&redirect_uri=" + url_encode(uri));
    EXPECT_EQ(r.body.find("AADSTS50011"), std::string::npos) << path << ": " << r.body;
    // Past the redirect URI check, the missing PKCE challenge is sent back to it.
    EXPECT_EQ(r.status, 302) << path;
    EXPECT_TRUE(r.location().starts_with(uri + "?")) << r.location();
  }
}

}  // namespace
}  // namespace parley::testing
