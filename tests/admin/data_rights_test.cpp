// Data rights against a real PostgreSQL: the export pages through a user's
// history and writes it in pieces, only theirs, and fails loudly; an
// administrator's deletion removes one user's conversations and messages
// and nothing else, with one audit row.

#include "admin/data_rights.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>

#include <functional>

#include "admin/errors.hpp"
#include "admin/lifecycle_fixture.hpp"

namespace parley::admin {
namespace {

namespace asio = boost::asio;
namespace json = boost::json;
using test::at;
using test::run_sync;

class CollectingStream final : public http::ResponseStream {
 public:
  asio::awaitable<bool> write(std::string_view chunk) override {
    if (gone || aborted) co_return false;
    body += chunk;
    ++writes;
    if (on_write) on_write();
    co_return true;
  }
  bool client_gone() const override { return gone; }
  asio::awaitable<void> wait_client_gone() override { co_return; }
  void abort() override { aborted = true; }

  std::string body;
  int writes = 0;
  bool gone = false;
  bool aborted = false;
  std::function<void()> on_write;
};

class DataRightsDb : public test::LifecycleDb {
 protected:
  DataRightsDb() : clock_(at(2031, 2, 3, 8)) {}

  DataRights service(DataRightsOptions o = {}) { return DataRights(pool_, clock_, o); }
  Caller caller(const std::string& user_id) {
    return Caller{db::UserId{user_id}, std::nullopt, "192.0.2.7", "req-1"};
  }
  std::int64_t audits(const std::string& action) {
    db::Params p{action};
    return count("SELECT count(*) FROM audit_events WHERE type = $1", p);
  }
  // Streams an export into a collecting stream.
  CollectingStream export_of(DataRights& rights, const std::string& user_id,
                             CollectingStream out = {}) {
    auto job = run_sync(io_, rights.begin_export(caller(user_id), {user_id, "Name", "e@x"}));
    if (!job) throw std::runtime_error(job.error().detail);
    run_sync(io_, [&]() -> asio::awaitable<int> {
      co_await rights.stream_export(*job, out);
      co_return 0;
    }());
    return out;
  }

  FakeClock clock_;
};

TEST_F(DataRightsDb, ExportHoldsEveryConversationAndMessageOfTheCallerOnly) {
  const std::string ada = user("ada");
  const std::string grace = user("grace");
  std::vector<std::string> conversations;
  for (int i = 0; i < 7; ++i) {
    // Created in this order; updated in the opposite one (the list order).
    const std::string c =
        conversation(ada, at(2031, 1, 1 + i), at(2031, 1, 28 - i), "talk " + std::to_string(i));
    conversations.push_back(c);
    const int messages = i == 3 ? 23 : i;
    for (int m = 0; m < messages; ++m) {
      message(ada, c, at(2031, 1, 1 + i) + m, "message " + std::to_string(m) + " \"quoted\"\n",
              m % 2 == 0 ? "user" : "assistant");
    }
  }
  const std::string secret = conversation(grace, at(2031, 1, 5), at(2031, 1, 5), "grace's");
  message(grace, secret, at(2031, 1, 5), "not for ada");

  DataRightsOptions small;
  small.conversations_per_page = 3;
  small.messages_per_page = 5;
  small.chunk_bytes = 256;
  DataRights rights = service(small);
  const CollectingStream out = export_of(rights, ada);
  EXPECT_FALSE(out.aborted);
  EXPECT_GT(out.writes, 5) << "written in pieces, not as one body";

  const json::value doc = json::parse(out.body);
  EXPECT_EQ(doc.at("exported_at").as_string(), "2031-02-03T08:00:00.000Z");
  EXPECT_EQ(doc.at("user").at("id").as_string(), ada);
  const auto& items = doc.at("conversations").as_array();
  ASSERT_EQ(items.size(), 7u);
  for (int i = 0; i < 7; ++i) {
    const auto& c = items[static_cast<std::size_t>(i)];
    EXPECT_EQ(c.at("id").as_string(), conversations[static_cast<std::size_t>(i)])
        << "oldest first";
    EXPECT_EQ(c.at("title").as_string(), "talk " + std::to_string(i));
    const auto& messages = c.at("messages").as_array();
    ASSERT_EQ(messages.size(), static_cast<std::size_t>(i == 3 ? 23 : i));
    for (std::size_t m = 0; m < messages.size(); ++m) {
      EXPECT_EQ(messages[m].at("content").as_string(),
                "message " + std::to_string(m) + " \"quoted\"\n");
    }
  }
  EXPECT_EQ(out.body.find("not for ada"), std::string::npos);
  EXPECT_EQ(audits("data.exported"), 1);
}

TEST_F(DataRightsDb, ExportOfAUserWithoutConversationsIsAnEmptyList) {
  const std::string u = user("new");
  DataRights rights = service();
  const CollectingStream out = export_of(rights, u);
  EXPECT_TRUE(json::parse(out.body).at("conversations").as_array().empty());
}

TEST_F(DataRightsDb, ExportAbortsWhenTheDatabaseFailsMidway) {
  const std::string u = user("unlucky");
  for (int i = 0; i < 6; ++i) {
    const std::string c = conversation(u, at(2031, 1, 1 + i), at(2031, 1, 1 + i));
    message(u, c, at(2031, 1, 1 + i), std::string(300, 'x'));
  }
  DataRightsOptions small;
  small.conversations_per_page = 2;
  small.messages_per_page = 2;
  small.chunk_bytes = 100;
  DataRights rights = service(small);
  CollectingStream out;
  out.on_write = [this] { pool_.close(); };  // the database goes away after the first piece
  const CollectingStream result = export_of(rights, u, std::move(out));
  EXPECT_TRUE(result.aborted) << "the download must fail, not end as a complete-looking file";
  boost::system::error_code ec;
  (void)json::parse(result.body, ec);
  EXPECT_TRUE(ec) << "what was sent is not a whole document";
}

TEST_F(DataRightsDb, ExportStopsWhenTheClientGoes) {
  const std::string u = user("leaver");
  for (int i = 0; i < 6; ++i) {
    const std::string c = conversation(u, at(2031, 1, 1 + i), at(2031, 1, 1 + i));
    message(u, c, at(2031, 1, 1 + i), std::string(300, 'x'));
  }
  DataRightsOptions small;
  small.conversations_per_page = 1;
  small.chunk_bytes = 100;
  DataRights rights = service(small);
  CollectingStream out;
  out.on_write = [&out] { out.gone = true; };  // hangs up after the first piece
  auto job = run_sync(io_, rights.begin_export(caller(u), {u, "n", "e"}));
  ASSERT_TRUE(job);
  run_sync(io_, [&]() -> asio::awaitable<int> {
    co_await rights.stream_export(*job, out);
    co_return 0;
  }());
  EXPECT_EQ(out.writes, 1) << "nothing more is read or written once the client left";
}

TEST_F(DataRightsDb, AdminDeletionRemovesOnlyThatUsersConversationsAndMessages) {
  const std::string admin = user("admin");
  const std::string ada = user("ada");
  const std::string grace = user("grace");
  for (int i = 0; i < 2; ++i) {
    const std::string c = conversation(ada, at(2031, 1, 1 + i), at(2031, 1, 1 + i));
    for (int m = 0; m < 2 + i; ++m) message(ada, c, at(2031, 1, 1 + i) + m);
  }
  const std::string kept = conversation(grace, at(2031, 1, 1), at(2031, 1, 1));
  message(grace, kept, at(2031, 1, 1));
  message(grace, kept, at(2031, 1, 1) + 1);
  db::Params p{ada};
  sql("INSERT INTO sessions (id, user_id, expires_at) VALUES (gen_random_uuid(), $1, now() + "
      "interval '1 hour')",
      p);

  DataRights rights = service();
  auto deleted = run_sync(io_, rights.delete_user_data(caller(admin), db::UserId{ada}));
  ASSERT_TRUE(deleted) << deleted.error().detail;
  EXPECT_EQ(deleted->conversations, 2);
  EXPECT_EQ(deleted->messages, 5);
  EXPECT_EQ(count("SELECT count(*) FROM conversations WHERE user_id = $1", p), 0);
  EXPECT_EQ(count("SELECT count(*) FROM messages WHERE user_id = $1", p), 0);
  // Not the user, nor their sessions; nobody else's data.
  EXPECT_EQ(count("SELECT count(*) FROM users WHERE id = $1", p), 1);
  EXPECT_EQ(count("SELECT count(*) FROM sessions WHERE user_id = $1", p), 1);
  EXPECT_EQ(messages_of(kept), 2);

  // One audit row: who, whose, how many.
  const db::Rows audit = sql(
      "SELECT actor, subject, detail->>'conversations', detail->>'messages', ip"
      " FROM audit_events WHERE type = 'data.deleted'");
  ASSERT_EQ(audit.rows(), 1);
  EXPECT_EQ(audit.text(0, 0), admin);
  EXPECT_EQ(audit.text(0, 1), ada);
  EXPECT_EQ(audit.text(0, 2), "2");
  EXPECT_EQ(audit.text(0, 3), "5");
  EXPECT_EQ(audit.text(0, 4), "192.0.2.7");

  // Again: nothing left, still recorded.
  auto again = run_sync(io_, rights.delete_user_data(caller(admin), db::UserId{ada}));
  ASSERT_TRUE(again);
  EXPECT_EQ(again->conversations, 0);
  EXPECT_EQ(audits("data.deleted"), 2);
}

TEST_F(DataRightsDb, DeletingAnUnknownUsersDataIsNotFoundAndUnaudited) {
  const std::string admin = user("admin");
  DataRights rights = service();
  auto r = run_sync(io_, rights.delete_user_data(caller(admin),
                                                 db::UserId{"6f1c2c4e-0000-4000-8000-000000000000"}));
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is(errc::admin::user_not_found));
  EXPECT_EQ(audits("data.deleted"), 0);
}

}  // namespace
}  // namespace parley::admin
