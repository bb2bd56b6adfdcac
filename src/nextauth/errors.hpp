#pragma once
// Error codes of `parley import nextauth` (see core/result.hpp).

#include "core/result.hpp"

namespace parley::errc::nextauth {

// The Auth.js `user` or `account` table is not in the source database (the
// detail names it).
inline constexpr ErrorCode source_table_missing{Kind::bad_request, "nextauth.source_table_missing"};

}  // namespace parley::errc::nextauth
