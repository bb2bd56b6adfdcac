#pragma once
// Error codes of the core helpers (see core/result.hpp).

#include "core/result.hpp"

namespace parley::errc {

namespace base64url {
inline constexpr ErrorCode invalid{Kind::bad_request, "base64url.invalid"};
}  // namespace base64url

namespace single_flight {
inline constexpr ErrorCode abandoned{Kind::unavailable, "single_flight.abandoned"};
}  // namespace single_flight

namespace secret_file {
inline constexpr ErrorCode unreadable{Kind::unavailable, "secret_file.unreadable"};
inline constexpr ErrorCode empty{Kind::unavailable, "secret_file.empty"};
}  // namespace secret_file

}  // namespace parley::errc
