#pragma once
// `parley import nextauth` (migration 011): reading the Next.js app's
// database (the Auth.js Drizzle adapter's `user` and `account` tables and
// the operator's messages view), writing Parley's rows in the caller's
// per-user transaction, and linking an imported user at its owner's first
// Entra sign-in. Codes: those of db/pool.hpp; db.query also for a missing
// source table or column (the detail names it).

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "db/ids.hpp"
#include "db/import_rows.hpp"

namespace parley::db {

class Lease;
class Pool;

// ---- Source (the Next.js app's database)

// Relations to read; each may be schema-qualified ("app.user").
struct NextAuthTables {
  std::string users = "user";
  std::string accounts = "account";
  std::string messages = "parley_import_messages";
};

// `name` quoted as an identifier, each part of a "schema.table" name on its own.
std::string quote_relation(std::string_view name);

// Whether the relation exists (to_regclass).
boost::asio::awaitable<Result<bool>> relation_exists(Pool& source, std::string_view name);
// Users ordered by id, after `after` (nullopt: from the start).
boost::asio::awaitable<Result<std::vector<NextAuthUser>>> nextauth_users_page(
    Pool& source, const NextAuthTables& tables, const std::optional<std::string>& after, int limit);
boost::asio::awaitable<Result<std::vector<NextAuthAccount>>> nextauth_accounts(
    Pool& source, const NextAuthTables& tables, const std::string& user_id);
// Ordered by conversation_key, created_at.
boost::asio::awaitable<Result<std::vector<SourceMessage>>> nextauth_messages(
    Pool& source, const NextAuthTables& tables, const std::string& user_id);

// ---- Destination steps, inside the caller's transaction

inline constexpr std::string_view kImportSource = "nextauth";

// The users.id an Auth.js user was imported as (or the user who took it
// over); nullopt when it was not imported yet.
boost::asio::awaitable<Result<std::optional<UserId>>> imported_user(Lease& tx,
                                                                    std::string_view source_id);

struct PendingUser {
  std::string source_id;  // Auth.js user id
  std::string tenant_id;
  std::optional<std::string> email;
  std::optional<std::string> name;
};
// A pending users row and its import_map entry.
boost::asio::awaitable<Result<UserId>> insert_pending_user(Lease& tx, const PendingUser& user);

// The accounts not recorded yet, as ('nextauth:<provider>', id). Returns how
// many were added.
boost::asio::awaitable<Result<std::int64_t>> add_imported_accounts(
    Lease& tx, const UserId& user, std::span<const NextAuthAccount> accounts);

struct ImportedConversation {
  enum class State {
    created,   // by this call
    existing,  // an earlier run imported it
    deleted,   // an earlier run imported it and its owner (or retention) deleted it since
  };
  ConversationId id;
  State state = State::created;
};
// The conversation of (source user, key): found in import_map, else created
// (owned by `user`, with `title`, created_at = the first message's time).
// A deleted one is not brought back.
boost::asio::awaitable<Result<ImportedConversation>> import_conversation(
    Lease& tx, const UserId& user, std::string_view source_user_id, std::string_view key,
    std::string_view title, std::string_view created_at);

// Inserts the messages the conversation does not hold yet (same time, role
// and content), as 'complete', and moves the conversation's updated_at to
// its newest message. Returns how many were inserted.
boost::asio::awaitable<Result<std::int64_t>> insert_imported_messages(
    Lease& tx, const ConversationId& conversation, const UserId& user,
    std::span<const ImportMessage> messages);

// ---- Linking at sign-in

struct LinkCandidate {
  UserId imported;
  std::string method;  // "sub" or "email"
};
// The pending user of `tenant_id` to hand over to the signing-in user: the
// one whose Entra account (microsoft-entra-id / azure-ad) has `subject`,
// else, when `verified_email` is set, the one with that email
// (case-insensitive). nullopt: none.
boost::asio::awaitable<Result<std::optional<LinkCandidate>>> find_link_candidate(
    Pool& pool, std::string_view tenant_id, std::string_view subject,
    const std::optional<std::string>& verified_email);

struct LinkedData {
  std::int64_t conversations = 0;
  std::int64_t messages = 0;
};
// Moves the pending user's conversations, messages and accounts to `user`,
// points import_map at `user` and deletes the pending row. nullopt when it
// is no longer pending (another sign-in took it over first).
boost::asio::awaitable<Result<std::optional<LinkedData>>> take_over_imported_user(
    Lease& tx, const UserId& user, const UserId& imported);

}  // namespace parley::db
