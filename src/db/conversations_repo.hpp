#pragma once
// Conversations. Every statement is scoped by the owner's UserId: another
// user's conversation is indistinguishable from a missing one (nullopt /
// false). Timestamps come back twice: ISO-8601 UTC with milliseconds for
// JSON, and PostgreSQL's exact text (microseconds) for pagination keys.
// Codes: those of db/pool.hpp.

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "db/ids.hpp"
#include "db/rows.hpp"

namespace parley::db {

class Pool;

inline constexpr std::string_view kDefaultConversationTitle = "New chat";

struct Conversation {
  ConversationId id;
  std::string title;
  // timestamptz text exactly as PostgreSQL printed it: updated_at is the
  // page key; JSON shows both through db::append_iso8601_utc_millis.
  std::string created_at;
  std::string updated_at;
  // The PARLEY_MODELS name its answers go to; nullopt: the default model.
  std::optional<std::string> model;
};

// What PATCH changes: the title when given; the model when set_model (then
// nullopt goes back to the default model).
struct ConversationChanges {
  std::optional<std::string> title;
  bool set_model = false;
  std::optional<std::string> model;
};

// Position after which a page starts: (updated_at, id) of the last item seen.
struct PageKey {
  std::string updated_at;  // timestamptz text as PostgreSQL printed it
  ConversationId id;
};

// A page of conversations read in place from the query result (binary
// format): no copy per row and no text to parse, since listing is the
// hottest read. Views live as long as the list.
class ConversationList {
 public:
  ConversationList() = default;
  explicit ConversationList(Rows rows);

  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  void append_id(std::string& out, std::size_t i) const;
  std::string id(std::size_t i) const;
  std::string_view title(std::size_t i) const;
  // Microseconds since 2000-01-01 UTC (db::append_iso8601_utc_millis).
  std::int64_t created_at(std::size_t i) const;
  std::int64_t updated_at(std::size_t i) const;
  // nullopt for NULL (the default model).
  std::optional<std::string_view> model(std::size_t i) const;
  // The page key of item i, timestamp as PostgreSQL prints it.
  PageKey key(std::size_t i) const;
  // A copy of item i, timestamps as PostgreSQL prints them.
  Conversation operator[](std::size_t i) const;
  // Keeps the first n items.
  void truncate(std::size_t n);

 private:
  Rows rows_;
  std::size_t size_ = 0;
};

// Who deleted (for the audit event).
struct DeleteContext {
  std::optional<SessionId> session_id;
  std::optional<std::string> ip;
  std::optional<std::string> request_id;
};

// `model` is stored as given (the caller checked it against PARLEY_MODELS).
boost::asio::awaitable<Result<Conversation>> create_conversation(
    Pool& pool, const UserId& user, std::string_view title,
    const std::optional<std::string>& model = std::nullopt);

// The SQL of the list's pages ($1 user, $2 limit; the next pages add
// $3 updated_at, $4 id), for the test that pins their plan to an index-only
// scan of conversations_user_updated_list (migration 012).
std::string_view list_first_page_sql();
std::string_view list_next_page_sql();

// Up to `limit` conversations ordered by updated_at DESC, id DESC, strictly
// after `after` when given.
boost::asio::awaitable<Result<ConversationList>> list_conversations(
    Pool& pool, const UserId& user, const std::optional<PageKey>& after, int limit);

boost::asio::awaitable<Result<std::optional<Conversation>>> find_conversation(
    Pool& pool, const UserId& user, const ConversationId& id);

// Applies the changes (and moves updated_at); nullopt when not the user's.
boost::asio::awaitable<Result<std::optional<Conversation>>> update_conversation(
    Pool& pool, const UserId& user, const ConversationId& id, const ConversationChanges& changes);

// Sets the title only while it is still the default one (generated titles
// never overwrite a rename). Returns whether it changed.
boost::asio::awaitable<Result<bool>> set_generated_title(Pool& pool, const UserId& user,
                                                         const ConversationId& id,
                                                         std::string_view title);

// Deletes the conversation and all of its messages and appends the audit
// event `conversation_deleted`, in one statement. false when not the user's.
boost::asio::awaitable<Result<bool>> delete_conversation(Pool& pool, const UserId& user,
                                                         const ConversationId& id,
                                                         const DeleteContext& context);

}  // namespace parley::db
