#pragma once
// The data lifecycle's statements (admin/maintenance.hpp, admin/data_rights.hpp):
// retention, an administrator's deletion of a user's data, and the pages of
// a user's export. Codes: those of db/pool.hpp.

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "db/conversations_repo.hpp"
#include "db/ids.hpp"
#include "db/messages_repo.hpp"
#include "db/partitions_repo.hpp"

namespace parley::db {

class Lease;
class Pool;

// ---- Retention

struct ExpiredDeletion {
  std::int64_t conversations = 0;
  // Messages of those conversations: deleted row by row, or left in the
  // partitions below for the caller to drop once this transaction commits.
  std::int64_t messages = 0;
  // Partitions (of `candidates`) in which no row belongs to a conversation
  // that still exists: every row in them is expired (or was orphaned by an
  // earlier run whose drop failed). No new row can enter them: messages are
  // only ever inserted at the current time, and these end before the cutoff.
  std::vector<std::string> droppable;
};

// Inside the caller's open transaction on `tx`: deletes the conversations
// last updated before `cutoff` (epoch seconds), and their messages except
// those in the droppable partitions, which it reports. `candidates`: the
// partitions that end at or before the cutoff. The conversations' rows stay
// locked until the transaction ends, so an answer being started in one of
// them either finished first (the conversation is then recent and kept) or
// finds it gone.
boost::asio::awaitable<Result<ExpiredDeletion>> delete_expired_conversations(
    Lease& tx, std::int64_t cutoff, std::span<const MessagePartition> candidates,
    std::chrono::milliseconds statement_timeout);

// ---- An administrator's deletion of a user's data

struct DeletedUserData {
  std::int64_t conversations = 0;
  std::int64_t messages = 0;
};

// Inside the caller's open transaction: deletes every conversation and
// message of `user` (not the user, the sessions, usage or audit rows) and
// asks every replica to stop the user's streaming answers (parley_chat_stop,
// delivered at commit). nullopt when there is no such user.
boost::asio::awaitable<Result<std::optional<DeletedUserData>>> delete_user_data(
    Lease& tx, const UserId& user);

// ---- Export pages (reads, each its own statement: no transaction is held
// open while the client downloads)

// Position after which a page starts: created_at exactly as PostgreSQL
// printed it, and the id. Both never change, so pages neither skip nor
// repeat rows while the user keeps chatting.
struct ExportKey {
  std::string created_at;
  std::string id;
};

// The user's conversations, oldest first (created_at, id); timestamps as
// PostgreSQL prints them.
boost::asio::awaitable<Result<std::vector<Conversation>>> export_conversations_page(
    Pool& pool, const UserId& user, const std::optional<ExportKey>& after, int limit);

struct ExportMessageRow {
  MessageRecord message;  // created_at: ISO-8601 UTC, milliseconds
  std::string created_at_exact;
};

// One conversation's messages, oldest first (created_at, id).
boost::asio::awaitable<Result<std::vector<ExportMessageRow>>> export_messages_page(
    Pool& pool, const UserId& user, const ConversationId& conversation,
    const std::optional<ExportKey>& after, int limit);

}  // namespace parley::db
