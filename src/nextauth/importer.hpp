#pragma once
// `parley import nextauth`: the users, accounts and (through the operator's
// messages view) conversations of the Next.js + Auth.js app, imported into
// Parley as users pending their first Entra sign-in (db/import_repo.hpp
// links them then). One transaction per user: a user is imported whole or
// not at all. Idempotent: a second run writes only what the first did not
// (import_map, and messages compared by time, role and content). A dry run
// does every step and rolls each transaction back.
//
// Strand affinity: the io_context of both pools (one thread).

#include <boost/asio/awaitable.hpp>
#include <string>

#include "core/result.hpp"
#include "db/import_repo.hpp"
#include "nextauth/rules.hpp"

namespace parley::db {
class Pool;
}

namespace parley::nextauth {

struct ImportOptions {
  std::string tenant_id;  // the Entra tenant the imported users belong to
  db::NextAuthTables tables;
  bool dry_run = false;
  int users_per_page = 500;
};

// Errors (the run stops): nextauth.source_table_missing, and the db codes of
// a source or destination that cannot be read or reached. A user whose
// transaction fails for another reason is counted in users_failed and the
// run goes on.
boost::asio::awaitable<Result<ImportSummary>> import_nextauth(db::Pool& source, db::Pool& dest,
                                                              const ImportOptions& options);

}  // namespace parley::nextauth
