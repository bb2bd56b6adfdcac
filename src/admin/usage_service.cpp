#include "admin/usage_service.hpp"

#include "db/usage_repo.hpp"

namespace parley::admin {

boost::asio::awaitable<Result<std::vector<UsageRow>>> usage_report(db::Pool& pool,
                                                                   const UsageQuery& query) {
  auto rows = co_await db::usage_report(pool, query.from, query.to, to_string(query.group_by));
  if (!rows) co_return rows.error();
  std::vector<UsageRow> out;
  out.reserve(rows->size());
  for (auto& r : *rows) {
    out.push_back(UsageRow{std::move(r.key), r.totals.prompt_tokens, r.totals.completion_tokens,
                           r.totals.messages});
  }
  co_return out;
}

}  // namespace parley::admin
