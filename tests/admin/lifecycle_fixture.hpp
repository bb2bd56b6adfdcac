#pragma once
// A freshly migrated database per test (the maintenance task changes the
// partitions of `messages`, which every test must see from the start), and
// SQL helpers that write rows at chosen times: the application stamps rows
// with the database's clock, tests stamp them with the fake clock's.

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "admin/months.hpp"
#include "db/db_test_util.hpp"
#include "db/pool.hpp"

namespace parley::admin::test {

using db::test::run_sync;

// Epoch seconds of a UTC day and hour.
inline std::int64_t at(int year, int month, int day, int hour = 12) {
  return month_start(Month{year, month}) + (day - 1) * 86400LL + hour * 3600LL;
}

class LifecycleDb : public ::testing::Test {
 protected:
  LifecycleDb() : url_(db::test::migrated_database("lifecycle")), pool_(io_, options(url_)) {
    for (auto& p : partitions()) {
      if (p != "messages_default") migration_months_.push_back(std::move(p));
    }
  }

  static db::PoolOptions options(const std::string& url) {
    db::PoolOptions o;
    o.url = url;
    o.max_connections = 4;
    return o;
  }

  db::Rows sql(const std::string& text, db::Params params = {}) {
    auto rows = run_sync(io_, pool_.query(text, std::move(params)));
    if (!rows) throw std::runtime_error(text + ": " + rows.error().detail);
    return std::move(*rows);
  }
  std::string scalar(const std::string& text, db::Params params = {}) {
    auto rows = sql(text, std::move(params));
    return rows.empty() ? std::string() : std::string(rows.text(0, 0));
  }
  std::int64_t count(const std::string& text, db::Params params = {}) {
    return std::stoll(scalar(text, std::move(params)));
  }

  std::string user(const std::string& name) {
    db::Params p{name};
    return scalar(
        "INSERT INTO users (tenant_id, object_id, email, name) VALUES ('t', $1, $1 || '@example.com',"
        " $1) RETURNING id",
        p);
  }
  std::string conversation(const std::string& user_id, std::int64_t created,
                            std::int64_t updated, const std::string& title = "c") {
    db::Params p{user_id, title, created, updated};
    return scalar(
        "INSERT INTO conversations (user_id, title, created_at, updated_at)"
        " VALUES ($1, $2, to_timestamp($3), to_timestamp($4)) RETURNING id",
        p);
  }
  // A message at `created` (epoch seconds); returns its id.
  std::string message(const std::string& user_id, const std::string& conversation_id,
                      std::int64_t created, const std::string& content = "hello",
                      const std::string& role = "user") {
    db::Params p{conversation_id, user_id, role, content, created};
    return scalar(
        "INSERT INTO messages (conversation_id, user_id, role, content, status, created_at)"
        " VALUES ($1, $2, $3, $4, 'complete', to_timestamp($5)) RETURNING id",
        p);
  }
  // The partition that holds the message.
  std::string partition_of(const std::string& message_id) {
    db::Params p{message_id};
    return scalar("SELECT tableoid::regclass::text FROM messages WHERE id = $1", p);
  }
  std::int64_t default_rows() { return count("SELECT count(*) FROM messages_default"); }
  std::vector<std::string> partitions() {
    auto rows = sql(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
        " WHERE i.inhparent = 'messages'::regclass ORDER BY 1");
    std::vector<std::string> out;
    for (int r = 0; r < rows.rows(); ++r) out.emplace_back(rows.text(r, 0));
    return out;
  }
  bool has_partition(const std::string& name) {
    for (const auto& p : partitions()) {
      if (p == name) return true;
    }
    return false;
  }
  std::int64_t messages_of(const std::string& conversation_id) {
    db::Params p{conversation_id};
    return count("SELECT count(*) FROM messages WHERE conversation_id = $1", p);
  }

  boost::asio::io_context io_;
  std::string url_;
  db::Pool pool_;
  // The partitions migration 003 made for the real current month and the
  // next: empty, and long before the fake clock's dates, so retention runs
  // in these tests drop them too.
  std::vector<std::string> migration_months_;
};

}  // namespace parley::admin::test
