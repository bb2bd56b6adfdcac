#include "nextauth/linker.hpp"

#include "db/audit_repo.hpp"
#include "db/import_repo.hpp"
#include "db/pool.hpp"
#include "db/transaction.hpp"

namespace parley::nextauth {

namespace asio = boost::asio;

asio::awaitable<Result<std::optional<Linked>>> link_imported_user(db::Pool& pool,
                                                                  const SignInIdentity& identity) {
  auto candidate = co_await db::find_link_candidate(pool, identity.tenant_id, identity.subject,
                                                    identity.verified_email);
  if (!candidate) co_return candidate.error();
  if (!*candidate || (*candidate)->imported == identity.user) co_return std::optional<Linked>();

  auto lease = co_await pool.acquire();
  if (!lease) co_return lease.error();
  if (auto begun = co_await db::begin_transaction(*lease); !begun) co_return begun.error();
  auto moved = co_await db::take_over_imported_user(*lease, identity.user, (*candidate)->imported);
  if (!moved || !*moved) {
    // Gone meanwhile: a concurrent sign-in of the same person took it over.
    co_await db::rollback_transaction(*lease);
    if (!moved) co_return moved.error();
    co_return std::optional<Linked>();
  }
  db::AuditEntry audit;
  audit.type = "user.linked";
  audit.actor = identity.user;
  audit.subject = identity.user;
  audit.detail["source"] = "nextauth";
  audit.detail["method"] = (*candidate)->method;
  audit.detail["imported_user_id"] = (*candidate)->imported.value;
  audit.detail["conversations"] = (*moved)->conversations;
  audit.detail["messages"] = (*moved)->messages;
  if (auto a = co_await db::append_audit(*lease, audit); !a) {
    co_await db::rollback_transaction(*lease);
    co_return a.error();
  }
  if (auto committed = co_await db::commit_transaction(*lease); !committed) {
    co_return committed.error();
  }
  co_return std::optional<Linked>(
      Linked{(*candidate)->imported, (*candidate)->method, (*moved)->conversations});
}

}  // namespace parley::nextauth
