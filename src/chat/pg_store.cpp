#include "chat/pg_store.hpp"

#include <boost/asio/io_context.hpp>

#include "db/errors.hpp"
#include "db/listener.hpp"
#include "db/pool.hpp"

namespace parley::chat {

namespace asio = boost::asio;

static_assert(kDefaultTitle == db::kDefaultConversationTitle,
              "db::set_generated_title only replaces chat's default title");

namespace {

// Ends the transaction without its changes. A connection whose ROLLBACK
// failed is in an unknown state: it is closed, not pooled.
asio::awaitable<void> roll_back(db::Lease& lease) {
  if (auto rolled_back = co_await lease.execute("ROLLBACK"); !rolled_back) lease.mark_broken();
}

class PgTurnTransaction final : public TurnTransaction {
 public:
  PgTurnTransaction(db::Lease lease, db::UserId user, db::ConversationId conversation,
                    const TurnAdmission& admit)
      : lease_(std::move(lease)),
        user_(std::move(user)),
        conversation_(std::move(conversation)),
        admit_(admit) {}

  asio::awaitable<Result<TurnIds>> write(const TurnPlan& plan, std::string_view owner) override {
    if (!plan.regenerates) {
      auto turn = co_await db::insert_turn(lease_, user_, conversation_, plan.user_content, owner);
      if (!turn) co_return turn.error();
      co_return TurnIds{std::move(turn->user_message.id), std::move(turn->assistant_message.id),
                        std::move(turn->assistant_message.created_at)};
    }
    const MessageRef& answered = *plan.regenerates;
    if (auto deleted =
            co_await db::delete_answers_after(lease_, user_, conversation_, answered.created_at);
        !deleted) {
      co_return deleted.error();
    }
    auto answer =
        co_await db::insert_answer(lease_, user_, conversation_, owner, answered.created_at);
    if (!answer) co_return answer.error();
    co_return TurnIds{db::MessageId{answered.id}, std::move(answer->id),
                      std::move(answer->created_at)};
  }

  // The admission (the quotas) runs last, right before COMMIT; its refusal
  // rolls the turn back.
  asio::awaitable<Status> commit() override {
    if (admit_) {
      if (auto admitted = co_await admit_(lease_, user_); !admitted) {
        co_await roll_back(lease_);
        co_return admitted.error();
      }
    }
    auto committed = co_await lease_.execute("COMMIT");
    if (!committed) co_return committed.error();
    co_return Status{};
  }

  asio::awaitable<void> rollback() override { co_await roll_back(lease_); }

 private:
  db::Lease lease_;  // closed by its destructor when left inside the transaction
  db::UserId user_;
  db::ConversationId conversation_;
  const TurnAdmission& admit_;  // the store's, which outlives its turns
};

}  // namespace

Result<ConversationSnapshot> snapshot_of(db::LockedConversation conversation,
                                         std::vector<db::TurnRow> rows) {
  ConversationSnapshot c;
  c.title = std::move(conversation.title);
  c.model = std::move(conversation.model);
  c.messages.reserve(rows.size());
  for (auto& row : rows) {
    auto role = parse_role(row.role);
    auto status = parse_answer_status(row.status);
    if (!role || !status) {
      return Error(errc::db::query, "message " + row.id.value + " has role '" + row.role +
                                        "' and status '" + row.status + "'");
    }
    c.messages.push_back(StoredMessage{std::move(row.id.value), *role, *status,
                                       std::move(row.content), std::move(row.created_at),
                                       std::chrono::milliseconds(row.idle_ms)});
  }
  return c;
}

PgChatStore::PgChatStore(asio::io_context& io, db::Pool& pool, TurnAdmission admit)
    : io_(io), pool_(pool), admit_(std::move(admit)) {}
PgChatStore::~PgChatStore() { stop_listening(); }

asio::awaitable<Result<db::ConversationList>> PgChatStore::list_conversations(
    const db::UserId& user, const std::optional<db::PageKey>& after, int limit) {
  co_return co_await db::list_conversations(pool_, user, after, limit);
}

asio::awaitable<Result<db::Conversation>> PgChatStore::create_conversation(
    const db::UserId& user, std::string_view title, const std::optional<std::string>& model) {
  co_return co_await db::create_conversation(pool_, user, title, model);
}

asio::awaitable<Result<std::optional<db::Conversation>>> PgChatStore::find_conversation(
    const db::UserId& user, const db::ConversationId& id) {
  co_return co_await db::find_conversation(pool_, user, id);
}

asio::awaitable<Result<std::vector<db::MessageRecord>>> PgChatStore::list_messages(
    const db::UserId& user, const db::ConversationId& id) {
  co_return co_await db::list_messages(pool_, user, id);
}

asio::awaitable<Result<std::optional<db::Conversation>>> PgChatStore::update_conversation(
    const db::UserId& user, const db::ConversationId& id, const db::ConversationChanges& changes) {
  co_return co_await db::update_conversation(pool_, user, id, changes);
}

asio::awaitable<Result<bool>> PgChatStore::set_generated_title(const db::UserId& user,
                                                               const db::ConversationId& id,
                                                               std::string_view title) {
  co_return co_await db::set_generated_title(pool_, user, id, title);
}

asio::awaitable<Result<bool>> PgChatStore::delete_conversation(const db::UserId& user,
                                                               const db::ConversationId& id,
                                                               const db::DeleteContext& context) {
  co_return co_await db::delete_conversation(pool_, user, id, context);
}

asio::awaitable<Result<std::optional<OpenTurn>>> PgChatStore::open_turn(
    const db::UserId& user, const db::ConversationId& id) {
  auto lease = co_await pool_.acquire();
  if (!lease) co_return lease.error();
  // On an error the lease closes the connection, rolling the turn back.
  auto started = co_await db::begin_turn(*lease, user, id);
  if (!started) co_return started.error();
  if (!*started) {
    co_await roll_back(*lease);
    co_return std::optional<OpenTurn>();  // not the user's
  }
  auto conversation = snapshot_of(std::move((*started)->conversation), std::move((*started)->rows));
  if (!conversation) {
    co_await roll_back(*lease);
    co_return conversation.error();
  }
  co_return std::optional<OpenTurn>(
      OpenTurn{std::move(*conversation),
               std::make_unique<PgTurnTransaction>(std::move(*lease), user, id, admit_)});
}

asio::awaitable<Result<bool>> PgChatStore::save_progress(const db::AnswerRow& row,
                                                         std::string_view content) {
  co_return co_await db::save_progress(pool_, row, content);
}

asio::awaitable<Result<bool>> PgChatStore::renew_lease(const db::AnswerRow& row) {
  co_return co_await db::renew_lease(pool_, row);
}

asio::awaitable<Result<bool>> PgChatStore::finish_answer(const db::AnswerRow& row,
                                                         const FinalAnswer& answer) {
  db::FinalAnswer stored;
  stored.content = answer.content;
  stored.status = std::string(to_string(answer.status));
  stored.model = answer.model;
  stored.prompt_tokens = answer.prompt_tokens;
  stored.completion_tokens = answer.completion_tokens;
  stored.finish_reason = answer.finish_reason;
  stored.error_code = answer.error_code;
  co_return co_await db::finish_answer(pool_, row, stored);
}

asio::awaitable<Result<std::vector<db::MessageId>>> PgChatStore::request_stop(
    const db::UserId& user, const db::ConversationId& id) {
  co_return co_await db::request_stop(pool_, user, id);
}

void PgChatStore::listen_for_stops(std::function<void(std::string_view)> on_stop) {
  stop_listening();
  listener_ = std::make_unique<db::Listener>(
      io_, std::string(pool_.options().url),
      std::vector<std::string>{std::string(db::kStopChannel)},
      [on_stop = std::move(on_stop)](std::string_view, std::string_view payload) {
        on_stop(payload);
      },
      nullptr);
  listener_->start();
}

void PgChatStore::stop_listening() {
  if (listener_) listener_->stop();
}

asio::awaitable<Result<std::int64_t>> PgChatStore::sweep_interrupted(std::chrono::seconds lease) {
  co_return co_await db::sweep_interrupted(pool_, lease);
}

}  // namespace parley::chat
