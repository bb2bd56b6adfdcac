#include "auth/jose.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <boost/json/parse.hpp>
#include <cstdio>
#include <boost/json/serialize.hpp>
#include <string>
#include <vector>

#include "auth/support/jws_signer.hpp"
#include "core/base64url.hpp"

namespace parley::auth::jose {
namespace {

namespace json = boost::json;
using test::shared_key;
using test::TestKey;

// RFC 7515 Appendix A.2.1: the RSA public key of the RS256 example.
constexpr const char* kRfc7515A2N =
    "ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-"
    "4qPCJrcS2mJPMEzP1Pt0Bm4d4Ql"
    "L-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-"
    "bSf63kpaSHSXndS5z5rexMdbBYUs"
    "LA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-"
    "DWNmoud"
    "F8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ";
// RFC 7515 Appendix A.2: header {"alg":"RS256"}, payload
// {"iss":"joe",\r\n "exp":1300819380,\r\n "http://example.com/is_root":true}
constexpr const char* kRfc7515A2Jws =
    "eyJhbGciOiJSUzI1NiJ9."
    "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ"
    "."
    "cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7AAuHIm4Bh-0Qc_lF5YKt_"
    "O8W2Fp5jujG"
    "bds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4BAynRFdiuB--f_"
    "nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Qe7K"
    "0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-"
    "eOkHWEsqtFZESc6BfI7noOPqvhJ1phCnvWh6IeYI2w9QOYEUipUTI8np6"
    "LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrBp0igcN_IoypGlUPQGe77Rw";

// RFC 7517 Appendix A.1, second key (RSA; the first is an EC "enc" key).
constexpr const char* kRfc7517A1Jwks = R"({"keys":[
  {"kty":"EC","crv":"P-256","x":"MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4",
   "y":"4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM","use":"enc","kid":"1"},
  {"kty":"RSA",
   "n":"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw",
   "e":"AQAB","alg":"RS256","kid":"2011-04-29"}]})";
constexpr const char* kRfc7517A1N =
    "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_"
    "BJECPebWK"
    "RXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_"
    "FDW2QvzqY368QQMic"
    "AtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-"
    "bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3"
    "XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw";

std::string sha256_b64(std::string_view s) {
  unsigned char d[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(s.data(), s.size(), d, &n, EVP_sha256(), nullptr);
  return base64url_encode(std::string_view(reinterpret_cast<char*>(d), n));
}

RsaPublicKey key_from_b64(std::string_view n, std::string_view e) {
  auto key =
      RsaPublicKey::from_components(base64url_decode(n).value(), base64url_decode(e).value());
  EXPECT_TRUE(key) << key.error().detail;
  return std::move(*key);
}

json::object claims() {
  json::object p;
  p["iss"] = "https://login.microsoftonline.com/t/v2.0";
  p["sub"] = "subject";
  p["exp"] = 1'700'000'600;
  return p;
}

json::object header(std::string_view alg, std::string_view kid) {
  json::object h;
  h["alg"] = alg;
  h["typ"] = "JWT";
  if (!kid.empty()) h["kid"] = kid;
  return h;
}

// Three keys: k0, k1, k2.
Jwks three_key_jwks() {
  return parse_jwks(test::jwks_json({shared_key(0).public_jwk("k0"), shared_key(1).public_jwk("k1"),
                                     shared_key(2).public_jwk("k2")}))
      .value();
}

std::string_view code_of(const Result<json::object>& r) {
  return r ? std::string_view("ok") : r.error().code;
}

Result<json::object> parse_and_verify(const std::string& token, const Jwks& jwks) {
  auto jws = parse_compact(token);
  if (!jws) return jws.error();
  return verify(*jws, jwks);
}

TEST(JwsVerify, AcceptsRfc7515AppendixA2Rs256Example) {
  auto jws = parse_compact(kRfc7515A2Jws);
  ASSERT_TRUE(jws) << jws.error().detail;
  EXPECT_EQ(jws->payload.at("iss").as_string(), "joe");
  EXPECT_EQ(jws->payload.at("exp").as_int64(), 1300819380);
  const RsaPublicKey key = key_from_b64(kRfc7515A2N, "AQAB");
  EXPECT_EQ(key.bits(), 2048);
  EXPECT_TRUE(verify_signature(*jws, key));
}

TEST(JwsVerify, Rfc7515A2ExampleWithoutKidIsRejectedEvenWithOneKey) {
  // Entra always sends kid: a single-key JWKS does not make it optional.
  Jwks jwks;
  jwks.add("only", key_from_b64(kRfc7515A2N, "AQAB"));
  auto jws = parse_compact(kRfc7515A2Jws).value();
  auto r = verify(jws, jwks);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "jose.missing_kid");
}

TEST(JwsVerify, Rfc7515A2ExampleFailsWithOneFlippedSignatureByte) {
  auto jws = parse_compact(kRfc7515A2Jws).value();
  jws.signature[100] = static_cast<char>(jws.signature[100] ^ 0x01);
  auto r = verify_signature(jws, key_from_b64(kRfc7515A2N, "AQAB"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "jose.bad_signature");
}

TEST(JwksParse, ParsesRfc7517AppendixA1AndSkipsTheEcKey) {
  auto jwks = parse_jwks(kRfc7517A1Jwks);
  ASSERT_TRUE(jwks) << jwks.error().detail;
  EXPECT_EQ(jwks->size(), 1u);
  ASSERT_NE(jwks->find("2011-04-29"), nullptr);
  EXPECT_EQ(jwks->find("2011-04-29")->bits(), 2048);
  EXPECT_EQ(jwks->find("1"), nullptr);
  // The transcription of n is right: RFC 7638 §3.1 gives this key's thumbprint.
  EXPECT_EQ(sha256_b64(std::string(R"({"e":"AQAB","kty":"RSA","n":")") + kRfc7517A1N + "\"}"),
            "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
}

TEST(JwksParse, KeepsSigAndUnspecifiedUseSkipsEncAndOtherAlgs) {
  auto k = shared_key(0).public_jwk("sig");
  auto no_use = shared_key(0).public_jwk("no-use");
  no_use.erase("use");
  auto enc = shared_key(0).public_jwk("enc");
  enc["use"] = "enc";
  auto rs384 = shared_key(0).public_jwk("rs384");
  rs384["alg"] = "RS384";
  auto rs256 = shared_key(0).public_jwk("rs256");
  rs256["alg"] = "RS256";
  auto no_kid = shared_key(0).public_jwk("x");
  no_kid.erase("kid");
  auto jwks = parse_jwks(test::jwks_json({k, no_use, enc, rs384, rs256, no_kid}));
  ASSERT_TRUE(jwks);
  EXPECT_EQ(jwks->size(), 3u);
  EXPECT_NE(jwks->find("sig"), nullptr);
  EXPECT_NE(jwks->find("no-use"), nullptr);
  EXPECT_NE(jwks->find("rs256"), nullptr);
  EXPECT_EQ(jwks->find("enc"), nullptr);
  EXPECT_EQ(jwks->find("rs384"), nullptr);
}

TEST(JwksParse, SkipsA1024BitKeyAndRejectsAJwksWithOnlyWeakKeys) {
  const TestKey weak(1024);
  auto only_weak = parse_jwks(test::jwks_json({weak.public_jwk("weak")}));
  ASSERT_FALSE(only_weak);
  EXPECT_EQ(only_weak.error().code, "jose.jwks_invalid");

  auto mixed =
      parse_jwks(test::jwks_json({weak.public_jwk("weak"), shared_key(0).public_jwk("ok")}));
  ASSERT_TRUE(mixed);
  EXPECT_EQ(mixed->size(), 1u);
  EXPECT_EQ(mixed->find("weak"), nullptr);
}

TEST(JwksParse, RejectsDocumentsThatAreNotAKeySet) {
  for (const char* doc :
       {"", "null", "[]", "{}", R"({"keys":{}})", R"({"keys":[]})", R"({"keys":[1,"a",null]})",
        "{\"keys\":[", R"({"keys":[{"kty":"RSA","kid":"a","n":"!!","e":"AQAB"}]})",
        R"({"keys":[{"kty":"RSA","kid":"a","n":"AQAB","e":"AQAB"}]})"}) {
    auto r = parse_jwks(doc);
    ASSERT_FALSE(r) << doc;
    EXPECT_EQ(r.error().code, "jose.jwks_invalid") << doc;
  }
}

TEST(JwksParse, RejectsAnEvenExponent) {
  auto k = shared_key(0).public_jwk("k");
  k["e"] = base64url_encode(std::string("\x01\x00\x00", 3));
  EXPECT_FALSE(parse_jwks(test::jwks_json({k})));
}

TEST(JwsVerify, AcceptsRs256SignedByAKnownKid) {
  const Jwks jwks = three_key_jwks();
  auto r =
      parse_and_verify(test::sign_compact(header("RS256", "k1"), claims(), shared_key(1)), jwks);
  ASSERT_TRUE(r) << r.error().code;
  EXPECT_EQ(r->at("sub").as_string(), "subject");
}

TEST(JwsVerify, RejectsAlgNone) {
  const Jwks jwks = three_key_jwks();
  for (const char* alg : {"none", "None", "NONE", "nOnE"}) {
    const std::string token = base64url_encode(json::serialize(header(alg, "k0"))) + "." +
                              base64url_encode(json::serialize(claims())) + ".";
    EXPECT_EQ(code_of(parse_and_verify(token, jwks)), "jose.alg_not_allowed") << alg;
  }
}

TEST(JwsVerify, RejectsMissingOrNonStringAlg) {
  const Jwks jwks = three_key_jwks();
  json::object h = header("RS256", "k0");
  h.erase("alg");
  EXPECT_EQ(code_of(parse_and_verify(test::sign_compact(h, claims(), shared_key(0)), jwks)),
            "jose.alg_not_allowed");
  h["alg"] = json::array{"RS256"};
  EXPECT_EQ(code_of(parse_and_verify(test::sign_compact(h, claims(), shared_key(0)), jwks)),
            "jose.alg_not_allowed");
}

TEST(JwsVerify, RejectsHs256SignedWithThePublicKeyAsSecret) {
  // Key confusion: an HMAC "signed" with the public key bytes.
  const Jwks jwks = three_key_jwks();
  const TestKey& k = shared_key(0);
  const std::string n = std::string(k.public_jwk("k0").at("n").as_string());
  for (const std::string& secret : {k.public_pem(), k.public_der(), n}) {
    EXPECT_EQ(
        code_of(parse_and_verify(test::sign_hs256(header("HS256", "k0"), claims(), secret), jwks)),
        "jose.alg_not_allowed");
  }
}

TEST(JwsVerify, RejectsOtherAlgorithmsEvenWhenProperlySigned) {
  const Jwks jwks = three_key_jwks();
  EXPECT_EQ(code_of(parse_and_verify(
                test::sign_compact(header("RS384", "k0"), claims(), shared_key(0), "RS384"), jwks)),
            "jose.alg_not_allowed");
  EXPECT_EQ(code_of(parse_and_verify(
                test::sign_compact(header("PS256", "k0"), claims(), shared_key(0), "PS256"), jwks)),
            "jose.alg_not_allowed");
  for (const char* alg : {"ES256", "RS512", "HS384", "EdDSA", "rs256", "RS256 ", ""}) {
    EXPECT_EQ(code_of(parse_and_verify(
                  test::sign_compact(header(alg, "k0"), claims(), shared_key(0)), jwks)),
              "jose.alg_not_allowed")
        << alg;
  }
}

TEST(JwsVerify, RejectsAPssSignatureUnderAnRs256Header) {
  const Jwks jwks = three_key_jwks();
  EXPECT_EQ(code_of(parse_and_verify(
                test::sign_compact(header("RS256", "k0"), claims(), shared_key(0), "PS256"), jwks)),
            "jose.bad_signature");
}

TEST(JwsVerify, RejectsCrit) {
  const Jwks jwks = three_key_jwks();
  json::object h = header("RS256", "k0");
  h["crit"] = json::array{"exp"};
  h["exp"] = 1;
  EXPECT_EQ(code_of(parse_and_verify(test::sign_compact(h, claims(), shared_key(0)), jwks)),
            "jose.crit_unsupported");
}

TEST(JwsVerify, RejectsUnknownKid) {
  const Jwks jwks = three_key_jwks();
  EXPECT_EQ(code_of(parse_and_verify(
                test::sign_compact(header("RS256", "k9"), claims(), shared_key(0)), jwks)),
            "jose.unknown_kid");
}

TEST(JwsVerify, RejectsMissingOrEmptyOrNonStringKid) {
  const Jwks jwks = three_key_jwks();
  EXPECT_EQ(code_of(parse_and_verify(
                test::sign_compact(header("RS256", ""), claims(), shared_key(0)), jwks)),
            "jose.missing_kid");
  json::object h = header("RS256", "k0");
  h["kid"] = "";
  EXPECT_EQ(code_of(parse_and_verify(test::sign_compact(h, claims(), shared_key(0)), jwks)),
            "jose.missing_kid");
  h["kid"] = 0;
  EXPECT_EQ(code_of(parse_and_verify(test::sign_compact(h, claims(), shared_key(0)), jwks)),
            "jose.missing_kid");
}

TEST(JwsVerify, RejectsAKidWhoseKeyDidNotSign) {
  const Jwks jwks = three_key_jwks();
  EXPECT_EQ(code_of(parse_and_verify(
                test::sign_compact(header("RS256", "k0"), claims(), shared_key(1)), jwks)),
            "jose.bad_signature");
}

TEST(JwsVerify, RejectsOneFlippedByteInSignatureOrPayload) {
  const Jwks jwks = three_key_jwks();
  const std::string good = test::sign_compact(header("RS256", "k0"), claims(), shared_key(0));
  ASSERT_TRUE(parse_and_verify(good, jwks));

  auto jws = parse_compact(good).value();
  jws.signature[0] = static_cast<char>(jws.signature[0] ^ 0x80);
  EXPECT_EQ(code_of(verify(jws, jwks)), "jose.bad_signature");
  jws.signature.back() = static_cast<char>(jws.signature.back() ^ 0x01);

  // A payload edited after signing: re-encoded, still valid JSON.
  const std::size_t dot1 = good.find('.');
  const std::size_t dot2 = good.find('.', dot1 + 1);
  json::object forged = claims();
  forged["sub"] = "admin";
  const std::string tampered =
      good.substr(0, dot1 + 1) + base64url_encode(json::serialize(forged)) + good.substr(dot2);
  EXPECT_EQ(code_of(parse_and_verify(tampered, jwks)), "jose.bad_signature");

  // Truncated signature.
  const std::string sig = base64url_decode(good.substr(dot2 + 1)).value();
  EXPECT_EQ(code_of(parse_and_verify(
                good.substr(0, dot2 + 1) + base64url_encode(sig.substr(0, sig.size() - 1)), jwks)),
            "jose.bad_signature");
  // Empty signature.
  EXPECT_EQ(code_of(parse_and_verify(good.substr(0, dot2 + 1), jwks)), "jose.bad_signature");
}

TEST(JwsVerify, NeverUsesKeysNamedOrEmbeddedInTheHeader) {
  // An attacker signs with their own key and points at it every way JOSE allows.
  const Jwks jwks = three_key_jwks();
  const TestKey& attacker = shared_key(5);
  json::object jwk = attacker.public_jwk("k0");

  json::object embedded = header("RS256", "k0");  // kid collides with a trusted one
  embedded["jwk"] = jwk;
  EXPECT_EQ(code_of(parse_and_verify(test::sign_compact(embedded, claims(), attacker), jwks)),
            "jose.bad_signature");

  json::object jku = header("RS256", "attacker");
  jku["jku"] = "https://attacker.example/keys";
  EXPECT_EQ(code_of(parse_and_verify(test::sign_compact(jku, claims(), attacker), jwks)),
            "jose.unknown_kid");

  json::object x5u = header("RS256", "k1");
  x5u["x5u"] = "https://attacker.example/cert.pem";
  x5u["x5c"] = json::array{base64_encode(attacker.public_der())};
  EXPECT_EQ(code_of(parse_and_verify(test::sign_compact(x5u, claims(), attacker), jwks)),
            "jose.bad_signature");

  json::object embedded_only = header("RS256", "");
  embedded_only["jwk"] = attacker.public_jwk("attacker");
  EXPECT_EQ(code_of(parse_and_verify(test::sign_compact(embedded_only, claims(), attacker), jwks)),
            "jose.missing_kid");
}

TEST(JwsParse, RejectsMalformedCompactSerialisations) {
  const std::string good = test::sign_compact(header("RS256", "k0"), claims(), shared_key(0));
  const std::size_t dot1 = good.find('.');
  const std::size_t dot2 = good.find('.', dot1 + 1);
  const std::string h = good.substr(0, dot1);
  const std::string p = good.substr(dot1 + 1, dot2 - dot1 - 1);
  const std::string s = good.substr(dot2 + 1);
  const std::vector<std::string> bad = {
      "",
      ".",
      "..",
      "...",
      h + "." + p,                            // two parts
      h + "." + p + "." + s + "." + s,        // four parts
      h + "." + p + "." + s + ".",            // trailing dot
      h + "=." + p + "." + s,                 // padding
      h + "." + p + "." + s + "=",            // padding in signature
      h + ".!" + p + "." + s,                 // bad alphabet
      h + "." + p + "." + "a",                // impossible length
      "+" + h.substr(1) + "." + p + "." + s,  // standard base64
      base64url_encode("[1,2]") + "." + p + "." + s,
      base64url_encode("\"RS256\"") + "." + p + "." + s,
      h + "." + base64url_encode("[]") + "." + s,
      h + "." + base64url_encode("null") + "." + s,
      h + "." + base64url_encode("{\"a\":") + "." + s,
      base64url_encode("{") + "." + p + "." + s,
      h + "." + "." + s,  // empty payload
      "." + p + "." + s,  // empty header
      h + " ." + p + "." + s,
      good + std::string(kMaxCompactSize, 'A'),
  };
  for (const auto& token : bad) {
    auto r = parse_compact(token);
    ASSERT_FALSE(r) << token.substr(0, 80);
    EXPECT_EQ(r.error().code, "jose.malformed") << token.substr(0, 80);
  }
}

TEST(JwsVerify, DuplicateHeaderMembersResolveToTheLexicallyLastOne) {
  // RFC 7515 §5.2: reject duplicates or use only the lexically last member.
  // Boost.JSON keeps the last one; the signature covers the raw bytes anyway.
  const Jwks jwks = three_key_jwks();
  const std::string payload = R"({"sub":"subject"})";
  EXPECT_EQ(code_of(parse_and_verify(test::sign_raw(R"({"alg":"RS256","alg":"none","kid":"k0"})",
                                                    payload, shared_key(0)),
                                     jwks)),
            "jose.alg_not_allowed");
  EXPECT_EQ(code_of(parse_and_verify(
                test::sign_raw(R"({"alg":"RS256","kid":"k0","kid":"k9"})", payload, shared_key(0)),
                jwks)),
            "jose.unknown_kid");
}

TEST(JwksParse, TheFirstKeyOfADuplicatedKidWins) {
  auto jwks = parse_jwks(
      test::jwks_json({shared_key(0).public_jwk("dup"), shared_key(1).public_jwk("dup")}));
  ASSERT_TRUE(jwks);
  EXPECT_EQ(jwks->size(), 1u);
  EXPECT_TRUE(
      parse_and_verify(test::sign_compact(header("RS256", "dup"), claims(), shared_key(0)), *jwks));
  EXPECT_EQ(code_of(parse_and_verify(
                test::sign_compact(header("RS256", "dup"), claims(), shared_key(1)), *jwks)),
            "jose.bad_signature");
}

// An Entra ID token of a user with 250 app roles whose names embed GUIDs
// ("Project.<guid>.Member") is about 20 KB: legitimate, and accepted.
TEST(JwsVerify, AcceptsATwentyKilobyteTokenWith250GuidRoles) {
  json::object c = claims();
  json::array roles;
  for (int i = 0; i < 250; ++i) {
    char guid[40];
    std::snprintf(guid, sizeof guid, "%08x-1f2e-4d3c-8b4a-%012x", 0x5a000000 + i, 0x77 * i);
    roles.emplace_back("Project." + std::string(guid) + ".Member");
  }
  c["roles"] = roles;
  const std::string token = test::sign_compact(header("RS256", "k0"), c, shared_key(0));
  ASSERT_GT(token.size(), 16u * 1024) << "the size that was refused before";
  ASSERT_LE(token.size(), kMaxCompactSize);
  auto verified = parse_and_verify(token, three_key_jwks());
  ASSERT_TRUE(verified) << code_of(verified);
  EXPECT_EQ(verified->at("roles").as_array().size(), 250u);
}

TEST(JwsParse, RejectsAPayloadWithMoreValuesThanTheBound) {
  // Small values, well under the size bound: the count bounds the work.
  std::string many = "{\"a\":[";
  for (std::size_t i = 0; i < kMaxJsonValues; ++i) many += i ? ",0" : "0";
  many += "]}";
  const std::string token = base64url_encode(R"({"alg":"RS256","kid":"k0"})") + "." +
                            base64url_encode(many) + "." + base64url_encode("sig");
  ASSERT_LT(token.size(), kMaxCompactSize);
  auto r = parse_compact(token);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "jose.malformed");
  EXPECT_EQ(r.error().detail, "payload holds too many values");
}

TEST(JwsParse, AcceptsNestingUpToTheDepthBoundAndRefusesDeeper) {
  const auto token_with_depth = [](std::size_t depth) {
    // The payload object is level 1.
    std::string nested = std::string(depth - 1, '[') + std::string(depth - 1, ']');
    return base64url_encode(R"({"alg":"RS256","kid":"k0"})") + "." +
           base64url_encode("{\"a\":" + nested + "}") + "." + base64url_encode("sig");
  };
  EXPECT_TRUE(parse_compact(token_with_depth(kMaxJsonDepth)));
  EXPECT_FALSE(parse_compact(token_with_depth(kMaxJsonDepth + 1)));
}

TEST(JwsParse, RejectsDeeplyNestedJson) {
  std::string deep(100, '[');
  deep += std::string(100, ']');
  const std::string token =
      base64url_encode("{\"a\":" + deep + "}") + "." + base64url_encode("{}") + ".";
  EXPECT_FALSE(parse_compact(token));
}

}  // namespace
}  // namespace parley::auth::jose
