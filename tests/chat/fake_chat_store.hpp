#pragma once
// ChatStore in memory for ChatService unit tests. Rows carry the time they
// were last written on the test's clock, so leases expire on simulated
// time; a turn's writes are staged and applied by commit() only. The
// PostgreSQL store is tested against a real database (chat_repos_test).

#include <algorithm>
#include <boost/asio/awaitable.hpp>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "chat/store.hpp"
#include "core/clock.hpp"

namespace parley::chat::test {

class FakeChatStore final : public ChatStore {
 public:
  struct Row {
    std::string id;
    Role role = Role::user;
    AnswerStatus status = AnswerStatus::complete;
    std::string content;
    std::string created_at;
    MonotonicClock::time_point written;  // updated_at
    bool stop_requested = false;
    std::string owner;
    std::optional<FinalAnswer> final_answer;
    int progress_writes = 0;
    int renewals = 0;
  };
  struct Conversation {
    db::UserId user;
    std::string title;
    std::vector<Row> rows;  // oldest first
    std::optional<std::string> model;
  };

  explicit FakeChatStore(const MonotonicClock& clock) : clock_(clock) {}

  // ---- Set-up and inspection.
  std::string add_conversation(const db::UserId& user,
                               std::string title = std::string(kDefaultTitle)) {
    const std::string id = next_id("c");
    conversations[id] = Conversation{user, std::move(title), {}, std::nullopt};
    return id;
  }
  // A row as another process left it (e.g. a 'streaming' answer).
  Row& add_row(const std::string& conversation, Role role, AnswerStatus status,
               std::string content) {
    auto& rows = conversations.at(conversation).rows;
    rows.push_back(make_row(role, status, std::move(content)));
    return rows.back();
  }
  Row* find_row(const std::string& id) {
    for (auto& [cid, c] : conversations) {
      for (auto& r : c.rows) {
        if (r.id == id) return &r;
      }
    }
    return nullptr;
  }
  // A NOTIFY from another replica.
  void announce_stop(std::string_view message_id) {
    if (on_stop_) on_stop_(message_id);
  }
  bool listening() const { return static_cast<bool>(on_stop_); }

  std::map<std::string, Conversation> conversations;
  std::optional<Error> fail_writes;  // TurnTransaction::write fails with this
  int commits = 0;
  int rollbacks = 0;
  int sweeps = 0;
  std::vector<int> listed_limits;
  std::vector<std::optional<db::PageKey>> listed_after;

  // ---- ChatStore.
  boost::asio::awaitable<Result<db::ConversationList>> list_conversations(
      const db::UserId&, const std::optional<db::PageKey>& after, int limit) override {
    listed_limits.push_back(limit);
    listed_after.push_back(after);
    co_return db::ConversationList();
  }
  boost::asio::awaitable<Result<db::Conversation>> create_conversation(
      const db::UserId& user, std::string_view title,
      const std::optional<std::string>& model) override {
    const std::string id = add_conversation(user, std::string(title));
    conversations.at(id).model = model;
    co_return db::Conversation{db::ConversationId{id}, std::string(title), "", "", model};
  }
  boost::asio::awaitable<Result<std::optional<db::Conversation>>> find_conversation(
      const db::UserId& user, const db::ConversationId& id) override {
    const Conversation* c = mine(user, id);
    if (c == nullptr) co_return std::optional<db::Conversation>();
    co_return std::optional<db::Conversation>(db::Conversation{id, c->title, "", "", c->model});
  }
  boost::asio::awaitable<Result<std::vector<db::MessageRecord>>> list_messages(
      const db::UserId& user, const db::ConversationId& id) override {
    std::vector<db::MessageRecord> out;
    if (const Conversation* c = mine(user, id)) {
      for (const Row& r : c->rows) {
        db::MessageRecord m;
        m.id = db::MessageId{r.id};
        m.role = std::string(to_string(r.role));
        m.content = r.content;
        m.status = std::string(to_string(r.status));
        out.push_back(std::move(m));
      }
    }
    co_return out;
  }
  boost::asio::awaitable<Result<std::optional<db::Conversation>>> update_conversation(
      const db::UserId& user, const db::ConversationId& id,
      const db::ConversationChanges& changes) override {
    Conversation* c = mine(user, id);
    if (c == nullptr) co_return std::optional<db::Conversation>();
    if (changes.title) c->title = *changes.title;
    if (changes.set_model) c->model = changes.model;
    co_return std::optional<db::Conversation>(db::Conversation{id, c->title, "", "", c->model});
  }
  boost::asio::awaitable<Result<bool>> set_generated_title(const db::UserId& user,
                                                           const db::ConversationId& id,
                                                           std::string_view title) override {
    Conversation* c = mine(user, id);
    if (c == nullptr || c->title != kDefaultTitle) co_return false;
    c->title = std::string(title);
    co_return true;
  }
  boost::asio::awaitable<Result<bool>> delete_conversation(const db::UserId& user,
                                                           const db::ConversationId& id,
                                                           const db::DeleteContext&) override {
    if (mine(user, id) == nullptr) co_return false;
    conversations.erase(id.value);
    co_return true;
  }

  boost::asio::awaitable<Result<std::optional<OpenTurn>>> open_turn(
      const db::UserId& user, const db::ConversationId& id) override {
    const Conversation* c = mine(user, id);
    if (c == nullptr) co_return std::optional<OpenTurn>();
    ConversationSnapshot snapshot;
    snapshot.title = c->title;
    snapshot.model = c->model;
    for (const Row& r : c->rows) {
      snapshot.messages.push_back(StoredMessage{
          r.id, r.role, r.status, r.content, r.created_at,
          std::chrono::duration_cast<std::chrono::milliseconds>(clock_.now() - r.written)});
    }
    co_return std::optional<OpenTurn>(
        OpenTurn{std::move(snapshot), std::make_unique<Transaction>(*this, id.value)});
  }

  boost::asio::awaitable<Result<bool>> save_progress(const db::AnswerRow& row,
                                                     std::string_view content) override {
    Row* r = streaming_row(row);
    if (r == nullptr) co_return true;
    r->content = std::string(content);
    r->written = clock_.now();
    ++r->progress_writes;
    co_return r->stop_requested;
  }
  boost::asio::awaitable<Result<bool>> renew_lease(const db::AnswerRow& row) override {
    Row* r = streaming_row(row);
    if (r == nullptr) co_return true;
    r->written = clock_.now();
    ++r->renewals;
    co_return r->stop_requested;
  }
  boost::asio::awaitable<Result<bool>> finish_answer(const db::AnswerRow& row,
                                                     const FinalAnswer& answer) override {
    Row* r = find_row(row.message.value);
    if (r == nullptr) co_return false;
    r->content = answer.content;
    r->status = answer.status;
    r->owner.clear();
    r->written = clock_.now();
    r->final_answer = answer;
    co_return true;
  }

  boost::asio::awaitable<Result<std::vector<db::MessageId>>> request_stop(
      const db::UserId& user, const db::ConversationId& id) override {
    std::vector<db::MessageId> out;
    if (Conversation* c = mine(user, id)) {
      for (Row& r : c->rows) {
        if (r.status != AnswerStatus::streaming) continue;
        r.stop_requested = true;
        out.push_back(db::MessageId{r.id});
      }
    }
    co_return out;
  }
  void listen_for_stops(std::function<void(std::string_view)> on_stop) override {
    on_stop_ = std::move(on_stop);
  }
  void stop_listening() override { on_stop_ = nullptr; }

  boost::asio::awaitable<Result<std::int64_t>> sweep_interrupted(
      std::chrono::seconds lease) override {
    ++sweeps;
    std::int64_t n = 0;
    for (auto& [cid, c] : conversations) {
      for (Row& r : c.rows) {
        if (r.status != AnswerStatus::streaming || clock_.now() - r.written < lease) continue;
        r.status = AnswerStatus::failed;
        r.owner.clear();
        ++n;
      }
    }
    co_return n;
  }

 private:
  class Transaction final : public TurnTransaction {
   public:
    Transaction(FakeChatStore& store, std::string conversation)
        : store_(store),
          conversation_(std::move(conversation)),
          staged_(store.conversations.at(conversation_).rows) {}

    boost::asio::awaitable<Result<TurnIds>> write(const TurnPlan& plan,
                                                  std::string_view owner) override {
      if (store_.fail_writes) co_return *store_.fail_writes;
      TurnIds ids;
      if (plan.regenerates) {
        const std::string after = plan.regenerates->created_at;
        std::erase_if(staged_, [&](const Row& r) {
          return r.role == Role::assistant && r.created_at > after;
        });
        ids.user_message_id = db::MessageId{plan.regenerates->id};
      } else {
        staged_.push_back(store_.make_row(Role::user, AnswerStatus::complete, plan.user_content));
        ids.user_message_id = db::MessageId{staged_.back().id};
      }
      Row answer = store_.make_row(Role::assistant, AnswerStatus::streaming, "");
      answer.owner = std::string(owner);
      ids.assistant_message_id = db::MessageId{answer.id};
      ids.assistant_created_at = answer.created_at;
      staged_.push_back(std::move(answer));
      co_return ids;
    }
    boost::asio::awaitable<Status> commit() override {
      ++store_.commits;
      store_.conversations.at(conversation_).rows = std::move(staged_);
      co_return Status{};
    }
    boost::asio::awaitable<void> rollback() override {
      ++store_.rollbacks;
      co_return;
    }

   private:
    FakeChatStore& store_;
    std::string conversation_;
    std::vector<Row> staged_;
  };

  std::string next_id(const char* prefix) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%s%08d", prefix, ++counter_);
    return buf;
  }
  Row make_row(Role role, AnswerStatus status, std::string content) {
    Row r;
    r.id = next_id("m");
    r.role = role;
    r.status = status;
    r.content = std::move(content);
    r.created_at = "t" + r.id;  // sorts in insertion order
    r.written = clock_.now();
    return r;
  }
  Conversation* mine(const db::UserId& user, const db::ConversationId& id) {
    auto it = conversations.find(id.value);
    if (it == conversations.end() || it->second.user != user) return nullptr;
    return &it->second;
  }
  Row* streaming_row(const db::AnswerRow& row) {
    Row* r = find_row(row.message.value);
    return r != nullptr && r->status == AnswerStatus::streaming ? r : nullptr;
  }

  const MonotonicClock& clock_;
  std::function<void(std::string_view)> on_stop_;
  int counter_ = 0;
};

}  // namespace parley::chat::test
