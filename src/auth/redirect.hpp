#pragma once
// Same-origin redirect targets (DESIGN.md: "Redirect targets are
// same-origin only"). Pure.

#include <string>
#include <string_view>

namespace parley::auth {

// Returns a same-origin "path[?query]" for `callback_url`, or "/" when it is
// empty or unsafe. The fragment is dropped. Unsafe: absolute URLs to another
// origin (scheme, host or port differ; userinfo present), scheme-relative
// "//x", "/\x", any backslash, control characters (CR, LF, tab...), spaces
// or non-ASCII bytes, invalid percent-encoding, a path that decodes (once)
// to "//..." or holds control characters or backslashes, "." or ".."
// segments, schemes such as javascript: or data:, relative paths without a
// leading '/', inputs over 2048 bytes. An absolute URL on `public_origin`
// itself ("http://localhost:3000/c/1") is reduced to its path and query.
std::string safe_callback_path(std::string_view callback_url, std::string_view public_origin);

}  // namespace parley::auth
