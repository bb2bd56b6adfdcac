// Micro-benchmarks for the per-request auth work: opening the session cookie
// (every authenticated request), re-sealing it, CSRF tokens, and verifying an
// RS256 ID token (each sign-in).
#include <benchmark/benchmark.h>

#include <boost/json/object.hpp>
#include <string>
#include <vector>

#include "auth/access_token.hpp"
#include "auth/csrf.hpp"
#include "auth/jose.hpp"
#include "auth/session_cookie.hpp"
#include "auth/support/jws_signer.hpp"

namespace {

using namespace parley;
using namespace parley::auth;

constexpr std::int64_t kNow = 1'700'000'000;

const std::vector<Secret>& secrets() {
  static const std::vector<Secret> s{Secret("bench-secret-0123456789abcdef0123456789abcdef"),
                                     Secret("bench-old-secret-0123456789abcdef0123456789")};
  return s;
}

SessionCookie cookie() {
  SessionCookie c;
  c.session_id = parse_uuid("0f8fad5b-d9cb-469f-a165-70867728950e").value();
  c.user_id = parse_uuid("7c9e6679-7425-40de-944b-e07fc1f90ae7").value();
  c.issued_at = kNow;
  c.expires_at = kNow + 28800;
  return c;
}

void BM_OpenSession(benchmark::State& state) {
  const Sealer sealer(secrets(), "parley.session.v1");
  OpenSslRandom random;
  const std::string value = seal_session(cookie(), sealer, random);
  for (auto _ : state) {
    auto r = open_session(value, sealer, kNow + 1);
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_OpenSession);

void BM_OpenSessionTampered(benchmark::State& state) {
  const Sealer sealer(secrets(), "parley.session.v1");
  OpenSslRandom random;
  std::string value = seal_session(cookie(), sealer, random);
  value[60] = value[60] == 'A' ? 'B' : 'A';
  for (auto _ : state) {
    auto r = open_session(value, sealer, kNow + 1);
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_OpenSessionTampered);

void BM_SealSession(benchmark::State& state) {
  const Sealer sealer(secrets(), "parley.session.v1");
  OpenSslRandom random;
  const SessionCookie c = cookie();
  for (auto _ : state) {
    std::string v = seal_session(c, sealer, random);
    benchmark::DoNotOptimize(v);
  }
}
BENCHMARK(BM_SealSession);

void BM_CsrfToken(benchmark::State& state) {
  const CsrfKeys keys(secrets());
  for (auto _ : state) {
    std::string t = keys.token("0f8fad5b-d9cb-469f-a165-70867728950e");
    benchmark::DoNotOptimize(t);
  }
}
BENCHMARK(BM_CsrfToken);

void BM_CsrfVerify(benchmark::State& state) {
  const CsrfKeys keys(secrets());
  const std::string token = keys.token("0f8fad5b-d9cb-469f-a165-70867728950e");
  for (auto _ : state) {
    bool ok = keys.verify("0f8fad5b-d9cb-469f-a165-70867728950e", token);
    benchmark::DoNotOptimize(ok);
  }
}
BENCHMARK(BM_CsrfVerify);

void BM_JoseVerifyRs256_2048(benchmark::State& state) {
  const test::TestKey& key = test::shared_key(0);
  const jose::Jwks jwks = jose::parse_jwks(test::jwks_json({test::shared_key(1).public_jwk("k1"),
                                                            key.public_jwk("k0")}))
                              .value();
  boost::json::object header{{"alg", "RS256"}, {"kid", "k0"}, {"typ", "JWT"}};
  boost::json::object payload{{"iss", "https://login.microsoftonline.com/t/v2.0"},
                              {"aud", "6cb04018-a3f5-46a7-b995-940c78f5aef3"},
                              {"sub", "AAAAAAAAAAAAAAAAAAAAAIkzqFVrSaSaFHy782bbtaQ"},
                              {"oid", "00000000-0000-0000-66f3-3332eca7ea81"},
                              {"tid", "9122040d-6c67-4c5b-b112-36a304b66dad"},
                              {"exp", kNow + 3600},
                              {"iat", kNow},
                              {"nbf", kNow},
                              {"nonce", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"}};
  const std::string token = test::sign_compact(header, payload, key);
  for (auto _ : state) {
    auto jws = jose::parse_compact(token);
    auto claims = jose::verify(*jws, jwks);
    benchmark::DoNotOptimize(claims);
  }
}
BENCHMARK(BM_JoseVerifyRs256_2048);

// The /v1 bearer check (auth/access_token.hpp) on an Entra-shaped app-only
// access token: the full check (parse, RS256, claim rules) and the path of
// every later request with the same token (SHA-256 + the accepted-token cache).
std::string bench_access_token() {
  boost::json::object header{{"alg", "RS256"}, {"kid", "k0"}, {"typ", "JWT"}};
  boost::json::object payload{
      {"aud", "6e74172b-be56-4843-9ff4-e66a39bb12e3"},
      {"iss", "https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0"},
      {"iat", kNow},
      {"nbf", kNow},
      {"exp", kNow + 3600},
      {"aio", "AXQAi/8IAAAAtAaZLo3ChMif6KOnttRB7eBq4/DccQzjcJGxPYy/C3jDaNGxXd6wNIIVGRgh"},
      {"azp", "3f1d9c2a-5b7e-4c11-9a0d-8e2f6b4c1a77"},
      {"azpacr", "1"},
      {"idtyp", "app"},
      {"oid", "a1b2c3d4-0000-4000-8000-000000000001"},
      {"rh", "I"},
      {"roles", boost::json::array{"Parley.Api"}},
      {"sub", "a1b2c3d4-0000-4000-8000-000000000001"},
      {"tid", "72f988bf-86f1-41af-91ab-2d7cd011db47"},
      {"uti", "fqiBqXLPj0eQa82S-IYFAA"},
      {"ver", "2.0"}};
  return test::sign_compact(header, payload, test::shared_key(0));
}

AccessTokenRules bench_rules() {
  AccessTokenRules r;
  r.issuer = "https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0";
  r.audiences = default_api_audiences("6e74172b-be56-4843-9ff4-e66a39bb12e3");
  return r;
}

const jose::Jwks& bench_jwks() {
  static const jose::Jwks k =
      jose::parse_jwks(test::jwks_json({test::shared_key(1).public_jwk("k1"),
                                        test::shared_key(0).public_jwk("k0")}))
          .value();
  return k;
}

void BM_AccessTokenValidateFull(benchmark::State& state) {
  const std::string token = bench_access_token();
  const AccessTokenRules rules = bench_rules();
  for (auto _ : state) {
    auto caller = validate_access_token(token, bench_jwks(), rules, kNow + 60);
    benchmark::DoNotOptimize(caller);
  }
}
BENCHMARK(BM_AccessTokenValidateFull);

void BM_AccessTokenValidateCached(benchmark::State& state) {
  const std::string token = bench_access_token();
  const AccessTokenRules rules = bench_rules();
  AccessTokenCache cache;
  if (!validate_access_token(token, bench_jwks(), rules, kNow, &cache)) {
    state.SkipWithError("the token was refused");
    return;
  }
  for (auto _ : state) {
    auto caller = validate_access_token(token, bench_jwks(), rules, kNow + 60, &cache);
    benchmark::DoNotOptimize(caller);
  }
}
BENCHMARK(BM_AccessTokenValidateCached);

}  // namespace

BENCHMARK_MAIN();
