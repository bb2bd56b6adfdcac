#pragma once
// Error codes of the admin module, with the public faces the API shows.

#include "core/result.hpp"

namespace parley::errc {

namespace admin {
inline constexpr ErrorCode user_not_found{Kind::not_found, "admin.user_not_found", {},
                                          "No such user"};
}  // namespace admin

}  // namespace parley::errc
