#pragma once
// ChatStore on PostgreSQL: the conversation and message repositories
// (db/conversations_repo.hpp, db/messages_repo.hpp), a turn as one
// transaction on a leased connection, and stop announcements over
// LISTEN/NOTIFY (db::kStopChannel).
//
// Strand affinity: the io_context given to the constructor.

#include <functional>
#include <memory>

#include "chat/store.hpp"

namespace boost::asio {
class io_context;
}
namespace parley::db {
class Lease;
class Listener;
class Pool;
}  // namespace parley::db

namespace parley::chat {

// Rows as a turn read them, typed (a role or status the schema does not
// allow is db.query).
Result<ConversationSnapshot> snapshot_of(db::LockedConversation conversation,
                                         std::vector<db::TurnRow> rows);

// Runs inside a new turn's transaction after its rows are written and
// right before COMMIT (the quotas, admin/quota_gate.hpp), so a lock it takes
// is held as briefly as possible and the new 'streaming' row is already in
// what it counts. Its error rolls the whole turn back: nothing is stored.
using TurnAdmission =
    std::function<boost::asio::awaitable<Status>(db::Lease& tx, const db::UserId& user)>;

class PgChatStore final : public ChatStore {
 public:
  // Without `admit`, every turn is admitted.
  PgChatStore(boost::asio::io_context& io, db::Pool& pool, TurnAdmission admit = {});
  ~PgChatStore() override;
  PgChatStore(const PgChatStore&) = delete;
  PgChatStore& operator=(const PgChatStore&) = delete;

  boost::asio::awaitable<Result<db::ConversationList>> list_conversations(
      const db::UserId& user, const std::optional<db::PageKey>& after, int limit) override;
  boost::asio::awaitable<Result<db::Conversation>> create_conversation(
      const db::UserId& user, std::string_view title,
      const std::optional<std::string>& model) override;
  boost::asio::awaitable<Result<std::optional<db::Conversation>>> find_conversation(
      const db::UserId& user, const db::ConversationId& id) override;
  boost::asio::awaitable<Result<std::vector<db::MessageRecord>>> list_messages(
      const db::UserId& user, const db::ConversationId& id) override;
  boost::asio::awaitable<Result<std::optional<db::Conversation>>> update_conversation(
      const db::UserId& user, const db::ConversationId& id,
      const db::ConversationChanges& changes) override;
  boost::asio::awaitable<Result<bool>> set_generated_title(const db::UserId& user,
                                                           const db::ConversationId& id,
                                                           std::string_view title) override;
  boost::asio::awaitable<Result<bool>> delete_conversation(
      const db::UserId& user, const db::ConversationId& id,
      const db::DeleteContext& context) override;

  boost::asio::awaitable<Result<std::optional<OpenTurn>>> open_turn(
      const db::UserId& user, const db::ConversationId& id) override;

  boost::asio::awaitable<Result<bool>> save_progress(const db::AnswerRow& row,
                                                     std::string_view content) override;
  boost::asio::awaitable<Result<bool>> renew_lease(const db::AnswerRow& row) override;
  boost::asio::awaitable<Result<bool>> finish_answer(const db::AnswerRow& row,
                                                     const FinalAnswer& answer) override;

  boost::asio::awaitable<Result<std::vector<db::MessageId>>> request_stop(
      const db::UserId& user, const db::ConversationId& id) override;
  void listen_for_stops(std::function<void(std::string_view)> on_stop) override;
  void stop_listening() override;

  boost::asio::awaitable<Result<std::int64_t>> sweep_interrupted(
      std::chrono::seconds lease) override;

 private:
  boost::asio::io_context& io_;
  db::Pool& pool_;
  TurnAdmission admit_;
  std::unique_ptr<db::Listener> listener_;
};

}  // namespace parley::chat
