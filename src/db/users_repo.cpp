#include "db/users_repo.hpp"

#include "db/pool.hpp"
#include "db/errors.hpp"

namespace parley::db {

namespace asio = boost::asio;

namespace {

#define PARLEY_USER_COLUMNS                                                                  \
  "id, tenant_id, object_id, email, name, roles, extract(epoch from created_at)::bigint, " \
  "extract(epoch from last_login_at)::bigint, extract(epoch from disabled_at)::bigint"

constexpr Statement kUpsert{
    "users_upsert_on_signin",
    "WITH u AS ("
    "  INSERT INTO users (tenant_id, object_id, email, name, roles, last_login_at)"
    "  VALUES ($1, $2, $3, $4, $5::text[], now())"
    "  ON CONFLICT (tenant_id, object_id) DO UPDATE"
    "    SET email = EXCLUDED.email, name = EXCLUDED.name, roles = EXCLUDED.roles,"
    "        last_login_at = now()"
    "  RETURNING " PARLEY_USER_COLUMNS
    "), a AS ("
    "  INSERT INTO accounts (provider, provider_account_id, user_id)"
    "  SELECT 'microsoft-entra-id', $1 || '.' || $2, id FROM u"
    "  ON CONFLICT (provider, provider_account_id) DO NOTHING"
    ") SELECT * FROM u"};

constexpr Statement kFind{"users_find", "SELECT " PARLEY_USER_COLUMNS " FROM users WHERE id = $1"};

#undef PARLEY_USER_COLUMNS

UserRecord read_user(const Rows& rows, int r) {
  UserRecord u;
  u.id = UserId{std::string(rows.text(r, 0))};
  u.tenant_id = std::string(rows.text(r, 1));
  u.object_id = std::string(rows.text(r, 2));
  u.email = rows.optional_text(r, 3);
  u.name = rows.optional_text(r, 4);
  u.roles = rows.text_array(r, 5);
  u.created_at = rows.int64(r, 6);
  u.last_login_at = rows.optional_int64(r, 7);
  u.disabled_at = rows.optional_int64(r, 8);
  return u;
}

}  // namespace

asio::awaitable<Result<UserRecord>> upsert_user_on_signin(Pool& pool,
                                                         const SigninIdentity& identity) {
  Params params{identity.tenant_id, identity.object_id, identity.email, identity.name,
                Param::text_array(identity.roles)};
  auto rows = co_await pool.prepared(kUpsert, std::move(params));
  if (!rows) co_return rows.error();
  if (rows->rows() != 1) co_return Error(errc::db::query, "upsert returned no row");
  co_return read_user(*rows, 0);
}

asio::awaitable<Result<std::optional<UserRecord>>> find_user(Pool& pool, const UserId& id) {
  Params params{id.value};
  auto rows = co_await pool.read(kFind, std::move(params));
  if (!rows) co_return rows.error();
  if (rows->empty()) co_return std::optional<UserRecord>();
  co_return std::optional<UserRecord>(read_user(*rows, 0));
}

}  // namespace parley::db
