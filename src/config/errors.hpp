#pragma once
// Error codes of the configuration (see core/result.hpp). A configuration
// error never reaches HTTP: `parley` prints its detail and exits with 2.

#include "core/result.hpp"

namespace parley::errc::config {

// The detail is the one line to print, starting with the variable's name.
inline constexpr ErrorCode invalid{Kind::bad_request, "config.invalid"};

}  // namespace parley::errc::config
