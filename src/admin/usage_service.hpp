#pragma once
// The usage report behind GET /api/admin/usage (usage_daily, UTC days).

#include <boost/asio/awaitable.hpp>
#include <vector>

#include "admin/usage_query.hpp"
#include "core/result.hpp"

namespace parley::db {
class Pool;
}

namespace parley::admin {

boost::asio::awaitable<Result<std::vector<UsageRow>>> usage_report(db::Pool& pool,
                                                                   const UsageQuery& query);

}  // namespace parley::admin
