// mock-entra-id over HTTP: the built binary on port 0, driven with
// cpp-httplib, tokens checked with OpenSSL against the published JWKS (no
// Parley code on this side, so a bug cannot hide on both sides of a test).

#include <gtest/gtest.h>
#include <httplib.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rand.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace json = boost::json;

constexpr const char* kTenant = "11111111-2222-3333-4444-555555555555";
constexpr const char* kClient = "test-client";
constexpr const char* kSecret = "test-secret-value";
constexpr const char* kRedirect = "http://127.0.0.1:9/api/auth/callback/microsoft-entra-id";
constexpr const char* kAppRoles = "svc-a:svc-a-secret:Chat.Use,Admin.Read";

// --- small helpers (own base64url and SHA-256, not Parley's) -----------------

std::string b64url(const std::string& in) {
  std::string out(4 * ((in.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(in.data()),
                                static_cast<int>(in.size()));
  out.resize(static_cast<std::size_t>(n));
  for (char& c : out) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  while (!out.empty() && out.back() == '=') out.pop_back();
  return out;
}

std::string unb64url(std::string in) {
  for (char& c : in) {
    if (c == '-') c = '+';
    if (c == '_') c = '/';
  }
  while (in.size() % 4 != 0) in += '=';
  std::string out(in.size(), '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(in.data()),
                                static_cast<int>(in.size()));
  if (n < 0) return {};
  std::size_t len = static_cast<std::size_t>(n);
  for (std::size_t i = in.size(); i > 0 && in[i - 1] == '='; --i) --len;
  out.resize(len);
  return out;
}

std::string sha256(const std::string& s) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(s.data(), s.size(), md, &len, EVP_sha256(), nullptr);
  return std::string(reinterpret_cast<const char*>(md), len);
}

std::string random_verifier() {
  unsigned char buf[32];
  RAND_bytes(buf, sizeof buf);
  return b64url(std::string(reinterpret_cast<const char*>(buf), sizeof buf));
}

struct Jwt {
  json::object header, payload;
  std::string input, signature;
};

Jwt decode(const std::string& token) {
  Jwt j;
  const auto a = token.find('.');
  const auto b = token.find('.', a + 1);
  j.header = json::parse(unb64url(token.substr(0, a))).as_object();
  j.payload = json::parse(unb64url(token.substr(a + 1, b - a - 1))).as_object();
  j.input = token.substr(0, b);
  j.signature = unb64url(token.substr(b + 1));
  return j;
}

// RS256 verification with the JWK (n, e) the mock publishes.
bool verify_rs256(const Jwt& jwt, const json::object& jwk) {
  const std::string n = unb64url(std::string(jwk.at("n").as_string()));
  const std::string e = unb64url(std::string(jwk.at("e").as_string()));
  BIGNUM* bn_n = BN_bin2bn(reinterpret_cast<const unsigned char*>(n.data()),
                           static_cast<int>(n.size()), nullptr);
  BIGNUM* bn_e = BN_bin2bn(reinterpret_cast<const unsigned char*>(e.data()),
                           static_cast<int>(e.size()), nullptr);
  OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
  OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn_n);
  OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, bn_e);
  OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(bld);
  EVP_PKEY_CTX* pctx = EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr);
  EVP_PKEY* key = nullptr;
  EVP_PKEY_fromdata_init(pctx);
  EVP_PKEY_fromdata(pctx, &key, EVP_PKEY_PUBLIC_KEY, params);
  EVP_MD_CTX* md = EVP_MD_CTX_new();
  const bool ok =
      key != nullptr && EVP_DigestVerifyInit(md, nullptr, EVP_sha256(), nullptr, key) == 1 &&
      EVP_DigestVerify(
          md, reinterpret_cast<const unsigned char*>(jwt.signature.data()), jwt.signature.size(),
          reinterpret_cast<const unsigned char*>(jwt.input.data()), jwt.input.size()) == 1;
  EVP_MD_CTX_free(md);
  EVP_PKEY_free(key);
  EVP_PKEY_CTX_free(pctx);
  OSSL_PARAM_free(params);
  OSSL_PARAM_BLD_free(bld);
  BN_free(bn_n);
  BN_free(bn_e);
  return ok;
}

std::map<std::string, std::string> query_of(const std::string& url) {
  std::map<std::string, std::string> out;
  const auto q = url.find('?');
  if (q == std::string::npos) return out;
  std::string rest = url.substr(q + 1);
  std::size_t pos = 0;
  while (pos <= rest.size()) {
    const auto end = std::min(rest.find('&', pos), rest.size());
    const std::string pair = rest.substr(pos, end - pos);
    const auto eq = pair.find('=');
    if (eq != std::string::npos) {
      out[pair.substr(0, eq)] = httplib::detail::decode_url(pair.substr(eq + 1), true);
    }
    pos = end + 1;
  }
  return out;
}

// --- the mock process ---------------------------------------------------------

// Starts the mock with `args`; `port` is read from its first stdout line
// (0 when the line is missing, e.g. when it exited). Returns the pid.
pid_t spawn(const std::vector<std::string>& args, int& port, std::string* first_line = nullptr) {
  port = 0;
  int out[2];
  if (pipe(out) != 0) return -1;
  const pid_t pid = fork();
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);  // no orphan if the test binary crashes
    dup2(out[1], STDOUT_FILENO);
    close(out[0]);
    close(out[1]);
    std::vector<char*> argv;
    argv.push_back(const_cast<char*>(MOCK_ENTRA_ID_BINARY));
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(MOCK_ENTRA_ID_BINARY, argv.data());
    _exit(127);
  }
  close(out[1]);
  std::string line;
  char c = 0;
  while (read(out[0], &c, 1) == 1 && c != '\n') line += c;
  close(out[0]);
  const std::string prefix = "mock-entra-id listening on http://127.0.0.1:";
  if (line.rfind(prefix, 0) == 0) port = std::stoi(line.substr(prefix.size()));
  if (first_line != nullptr) *first_line = line;
  return pid;
}

// SIGTERM, then waits up to 30 s (SIGKILL after); the exit status or -signal.
// (A clean stop waits for idle keep-alive connections, up to cpp-httplib's
// 5 s keep-alive timeout: the bound is generous so load cannot fail it.)
int stop(pid_t pid) {
  kill(pid, SIGTERM);
  int status = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (waitpid(pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
}

// Exit status of a run that is expected to end by itself.
int wait_exit(pid_t pid) {
  int status = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (waitpid(pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) return stop(pid) - 1000;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
}

class MockEntraId : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    pid_ = spawn({"--port", "0", "--tenant", kTenant, "--client-id", kClient, "--client-secret",
                  kSecret, "--redirect-uri", kRedirect, "--redirect-uri",
                  "http://localhost:9/other", "--app", kAppRoles},
                 port_);
    ASSERT_GT(port_, 0);
  }

  static void TearDownTestSuite() {
    if (pid_ <= 0) return;
    EXPECT_EQ(stop(pid_), 0) << "clean stop on SIGTERM";
    pid_ = -1;
  }

  void SetUp() override {
    ASSERT_GT(port_, 0);
    ASSERT_EQ(post_json("/_mock/reset", "{}")->status, 200);
  }

  static httplib::Client client() {
    httplib::Client c("127.0.0.1", port_);
    c.set_follow_location(false);
    return c;
  }
  static std::string origin() { return "http://127.0.0.1:" + std::to_string(port_); }
  static std::string issuer() { return origin() + "/" + kTenant + "/v2.0"; }
  static std::string path(const std::string& tail) { return "/" + std::string(kTenant) + tail; }

  static httplib::Result post_json(const std::string& p, const std::string& body) {
    return client().Post(p.c_str(), body, "application/json");
  }
  static json::object get_json(const std::string& p) {
    auto r = client().Get(p.c_str());
    if (!r) return {};
    return json::parse(r->body).as_object();
  }

  struct Pkce {
    std::string verifier = random_verifier();
    std::string challenge() const { return b64url(sha256(verifier)); }
  };

  static httplib::Params authorize_params(const Pkce& pkce, const std::string& nonce = "n-123") {
    return {{"client_id", kClient},
            {"redirect_uri", kRedirect},
            {"response_type", "code"},
            {"scope", "openid profile email"},
            {"state", "st-456"},
            {"nonce", nonce},
            {"code_challenge", pkce.challenge()},
            {"code_challenge_method", "S256"}};
  }

  // authorize with login_hint -> the code from the redirect.
  static std::string code_for(const std::string& login, const Pkce& pkce,
                              const std::string& nonce = "n-123") {
    httplib::Params p = authorize_params(pkce, nonce);
    p.emplace("login_hint", login);
    auto r = client().Get(path("/oauth2/v2.0/authorize").c_str(), p, httplib::Headers{});
    if (!r || r->status != 302) return {};
    const std::string location = r->get_header_value("Location");
    if (location.rfind(kRedirect, 0) != 0) return {};
    auto q = query_of(location);
    if (q["state"] != "st-456") return {};
    return q["code"];
  }

  static httplib::Result redeem(const std::string& code, const std::string& verifier,
                                const std::string& secret = kSecret,
                                const std::string& redirect = kRedirect) {
    httplib::Params form = {{"grant_type", "authorization_code"},
                            {"client_id", kClient},
                            {"client_secret", secret},
                            {"code", code},
                            {"redirect_uri", redirect},
                            {"code_verifier", verifier}};
    return client().Post(path("/oauth2/v2.0/token").c_str(), form);
  }

  static json::object id_token_with(const std::string& behaviour,
                                    const std::string& nonce = "n-1") {
    if (!behaviour.empty()) {
      auto b = post_json("/_mock/behaviour", behaviour);
      if (!b || b->status != 200) return {};
    }
    Pkce pkce;
    auto r = redeem(code_for("ada@example.com", pkce, nonce), pkce.verifier);
    if (!r || r->status != 200) return {};
    const auto body = json::parse(r->body).as_object();
    if (!body.contains("id_token")) return {};
    const Jwt jwt = decode(std::string(body.at("id_token").as_string()));
    json::object both;
    both["header"] = jwt.header;
    both["payload"] = jwt.payload;
    both["raw"] = body.at("id_token");
    return both;
  }

  static std::optional<json::object> jwk_for(const std::string& kid) {
    const json::object jwks = get_json(path("/discovery/v2.0/keys"));
    for (const auto& k : jwks.at("keys").as_array()) {
      if (k.at("kid").as_string() == kid) return k.as_object();
    }
    return std::nullopt;
  }

  static std::string error_code(const httplib::Result& r) {
    if (!r) return "no response";
    const auto o = json::parse(r->body).as_object();
    const std::string description(o.at("error_description").as_string());
    return std::string(o.at("error").as_string()) + " " +
           description.substr(0, description.find(':'));
  }

  static pid_t pid_;
  static int port_;
};

pid_t MockEntraId::pid_ = -1;
int MockEntraId::port_ = 0;

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
