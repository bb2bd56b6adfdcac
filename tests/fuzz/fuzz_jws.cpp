// libFuzzer: JWS compact parsing and verification against a fixed JWKS, the
// access-token claim rules on the (unverified) payload, and JWKS parsing.
// Invariant: nothing crashes, and no input verifies (the fuzzer does not hold
// the private keys).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "auth/access_token.hpp"
#include "auth/jose.hpp"

namespace {

// RFC 7517 A.1 (kid "2011-04-29") and RFC 7515 A.2 (kid "a2") public keys.
constexpr std::string_view kJwks = R"({"keys":[
 {"kty":"RSA","alg":"RS256","kid":"2011-04-29","e":"AQAB",
  "n":"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"},
 {"kty":"RSA","use":"sig","kid":"a2","e":"AQAB",
  "n":"ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ"}]})";

const parley::auth::jose::Jwks& jwks() {
  static const parley::auth::jose::Jwks keys = parley::auth::jose::parse_jwks(kJwks).value();
  return keys;
}

const parley::auth::AccessTokenRules& rules() {
  static const parley::auth::AccessTokenRules r = [] {
    parley::auth::AccessTokenRules x;
    x.issuer = "https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0";
    x.audiences = parley::auth::default_api_audiences("6e74172b-be56-4843-9ff4-e66a39bb12e3");
    return x;
  }();
  return r;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  if (auto jws = parley::auth::jose::parse_compact(input)) {
    auto claims = parley::auth::jose::verify(*jws, jwks());
    // The RFC 7515 A.2 example is the only input that verifies: it has no
    // kid, so verify() must refuse it too.
    if (claims) __builtin_trap();
    // The claim rules must survive any payload (they run after verify() in
    // production, but must not rely on it for memory safety).
    (void)parley::auth::validate_access_token_claims(jws->payload, rules(), 1'700'000'000);
  }
  if (parley::auth::validate_access_token(input, jwks(), rules(), 1'700'000'000)) __builtin_trap();
  (void)parley::auth::jose::parse_jwks(input);
  return 0;
}
