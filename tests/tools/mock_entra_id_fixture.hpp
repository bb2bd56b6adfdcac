#pragma once
// The fixture of the mock-entra-id tests (mock_entra_id_*_test.cpp, one
// executable): the built binary on port 0, driven with cpp-httplib, tokens
// checked with OpenSSL against the published JWKS (no Parley code on this
// side, so a bug cannot hide on both sides of a test).

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

namespace mock_entra_id_test {

namespace json = boost::json;

inline constexpr const char* kTenant = "11111111-2222-3333-4444-555555555555";
inline constexpr const char* kClient = "test-client";
inline constexpr const char* kSecret = "test-secret-value";
inline constexpr const char* kRedirect = "http://127.0.0.1:9/api/auth/callback/microsoft-entra-id";
inline constexpr const char* kAppRoles = "svc-a:svc-a-secret:Chat.Use,Admin.Read";

// --- small helpers (own base64url and SHA-256, not Parley's) -----------------

inline std::string b64url(const std::string& in) {
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

inline std::string unb64url(std::string in) {
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

inline std::string sha256(const std::string& s) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(s.data(), s.size(), md, &len, EVP_sha256(), nullptr);
  return std::string(reinterpret_cast<const char*>(md), len);
}

inline std::string random_verifier() {
  unsigned char buf[32];
  RAND_bytes(buf, sizeof buf);
  return b64url(std::string(reinterpret_cast<const char*>(buf), sizeof buf));
}

struct Jwt {
  json::object header, payload;
  std::string input, signature;
};

inline Jwt decode(const std::string& token) {
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
inline bool verify_rs256(const Jwt& jwt, const json::object& jwk) {
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

inline std::map<std::string, std::string> query_of(const std::string& url) {
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
inline pid_t spawn(const std::vector<std::string>& args, int& port,
                   std::string* first_line = nullptr) {
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
inline int stop(pid_t pid) {
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
inline int wait_exit(pid_t pid) {
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

  static inline pid_t pid_ = -1;
  static inline int port_ = 0;
};

}  // namespace mock_entra_id_test
