#pragma once
// Linking an imported Next.js user at its owner's Entra sign-in (migration
// 011, decision 0015): the signing-in user takes over the
// pending imported user of the same tenant whose Auth.js account has the ID
// token's `sub` (the app registration was reused), else the one whose email
// is the token's tenant-verified email. The conversations move over, the
// pending row goes, and user.linked is audited in the same transaction.
//
// Strand affinity: the pool's io_context.

#include <boost/asio/awaitable.hpp>
#include <optional>
#include <string>

#include "core/result.hpp"
#include "db/ids.hpp"

namespace parley::db {
class Pool;
}

namespace parley::nextauth {

struct SignInIdentity {
  db::UserId user;  // the Parley user who signed in (after the upsert)
  std::string tenant_id;
  std::string subject;                        // sub
  std::optional<std::string> verified_email;  // nullopt: none the tenant vouches for
};

struct Linked {
  db::UserId imported;  // the pending user taken over (now deleted)
  std::string method;   // "sub" or "email"
  std::int64_t conversations = 0;
};

// nullopt when there is nothing to link (the common case: one indexed read).
boost::asio::awaitable<Result<std::optional<Linked>>> link_imported_user(
    db::Pool& pool, const SignInIdentity& identity);

}  // namespace parley::nextauth
