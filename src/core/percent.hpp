#pragma once
// Percent-encoding (RFC 3986): one implementation for URLs, queries, forms
// and redirect targets. Pure.

#include <optional>
#include <string>
#include <string_view>

namespace parley {

// Percent-decodes `s` once; `plus_as_space` for form/query encoding. Returns
// nullopt on a malformed escape.
std::optional<std::string> percent_decode(std::string_view s, bool plus_as_space);
// Percent-encodes everything but RFC 3986 unreserved characters.
std::string percent_encode(std::string_view s);

}  // namespace parley
