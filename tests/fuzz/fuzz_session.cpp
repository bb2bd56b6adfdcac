// libFuzzer: the session and sign-in transaction cookies. Two layers: the
// input as a cookie value (must never open), and the input as an authentic
// plaintext sealed here (exercises the record and JSON parsers behind the seal).
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "auth/oidc_transaction.hpp"
#include "auth/session_cookie.hpp"

namespace {

constexpr std::int64_t kNow = 1'700'000'000;

const std::vector<parley::Secret>& secrets() {
  static const std::vector<parley::Secret> s{
      parley::Secret("fuzz-secret-0123456789abcdef01234567"),
      parley::Secret("fuzz-old-secret-0123456789abcdef0123")};
  return s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const parley::auth::Sealer session(secrets(), "parley.session.v1");
  static const parley::auth::Sealer oidc(secrets(), "parley.oidc.v1");
  static parley::CountingRandom random;
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  if (parley::auth::open_session(input, session, kNow)) __builtin_trap();
  if (parley::auth::open_transaction(input, oidc, kNow)) __builtin_trap();

  (void)parley::auth::open_session(session.seal(input, random), session, kNow);
  (void)parley::auth::open_transaction(oidc.seal(input, random), oidc, kNow);
  return 0;
}
