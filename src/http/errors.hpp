#pragma once
// Error codes of the HTTP protocol helpers.

#include "core/result.hpp"

namespace parley::errc {

namespace cookie {
inline constexpr ErrorCode invalid{Kind::internal, "cookie.invalid"};
}  // namespace cookie

}  // namespace parley::errc
