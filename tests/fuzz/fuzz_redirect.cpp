// libFuzzer: callbackUrl sanitising. Invariant: the result is "/" or a path
// that starts with exactly one '/', has no backslash, no control character
// and does not decode to "//".
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "auth/redirect.hpp"

namespace {

bool acceptable(const std::string& out) {
  if (out.empty() || out[0] != '/') return false;
  if (out.size() > 1 && (out[1] == '/' || out[1] == '\\')) return false;
  if (out.rfind("/%2f", 0) == 0 || out.rfind("/%2F", 0) == 0 || out.rfind("/%5c", 0) == 0 ||
      out.rfind("/%5C", 0) == 0) {
    return false;
  }
  for (char c : out) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f || c == '\\' || c == '#') return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  if (!acceptable(parley::auth::safe_callback_path(input, "http://localhost:3000"))) {
    __builtin_trap();
  }
  if (!acceptable(parley::auth::safe_callback_path(input, "https://parley.example.com"))) {
    __builtin_trap();
  }
  return 0;
}
