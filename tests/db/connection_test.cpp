#include "db/connection.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <limits>

#include "db/params.hpp"
#include "db/rows.hpp"
#include "db_test_util.hpp"
#include "support/child_process.hpp"

namespace parley::db {
namespace {

using namespace std::chrono_literals;
using test::run_sync;
namespace asio = boost::asio;

TEST(DbRows, ParsesAndFormatsTextArrays) {
  EXPECT_EQ(parse_text_array("{}"), std::vector<std::string>{});
  EXPECT_EQ(parse_text_array("{a,b}"), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(parse_text_array(R"({"a b","c\"d","e\\f",NULL})"),
            (std::vector<std::string>{"a b", "c\"d", "e\\f", ""}));
  EXPECT_EQ(format_text_array({"x", "y\"z", "w\\"}), R"({"x","y\"z","w\\"})");
  EXPECT_EQ(parse_text_array(format_text_array({"a,b", "{c}", " d "})),
            (std::vector<std::string>{"a,b", "{c}", " d "}));
}

TEST(DbRows, Iso8601FromTimestamptzText) {
  EXPECT_EQ(iso8601_utc_millis("2026-11-29 06:51:15.123456+00"), "2026-11-29T06:51:15.123Z");
  EXPECT_EQ(iso8601_utc_millis("2026-11-29 06:51:15.1+00"), "2026-11-29T06:51:15.100Z");
  EXPECT_EQ(iso8601_utc_millis("2026-11-29 06:51:15+00"), "2026-11-29T06:51:15.000Z");
  EXPECT_EQ(iso8601_utc_millis("2026-01-01 01:00:00.999999+05:30"), "2025-12-31T19:30:00.999Z");
  EXPECT_EQ(iso8601_utc_millis("2026-02-28 22:00:00-03"), "2026-03-01T01:00:00.000Z");
  EXPECT_EQ(iso8601_utc_millis("1901-12-13 20:45:52+00:19:32"), "1901-12-13T20:26:20.000Z");
  for (const char* bad :
       {"", "infinity", "2026-11-29T06:51:15Z", "2026-11-29 06:51:15", "2026-13-01 00:00:00+00",
        "2026-02-30 00:00:00+00", "2026-11-29 06:51:15.+00", "2026-11-29 06:51:15.1234567+00",
        "Sun Nov 29 06:51:15 2026 UTC", "2026-11-29 06:51:15+00 BC", "2026-11-29 06:51:15+0"}) {
    EXPECT_FALSE(iso8601_utc_millis(bad).has_value()) << bad;
  }
  std::string out = "[";
  EXPECT_FALSE(append_iso8601_utc_millis(out, "infinity"));
  EXPECT_TRUE(append_iso8601_utc_millis(out, "2026-11-29 06:51:15.5-01"));
  EXPECT_EQ(out, "[infinity2026-11-29T07:51:15.500Z") << "kept as printed when unknown";
}

// The conversion agrees with PostgreSQL's own to_char in any session zone.
TEST(DbRows, Iso8601AgreesWithToCharInEveryTimeZone) {
  auto& pg = testing::shared_temp_postgres();
  asio::io_context io;
  auto conn = run_sync(io, Connection::connect(io, pg.url(), 5s));
  ASSERT_TRUE(conn);
  for (const char* zone :
       {"UTC", "Asia/Kolkata", "America/St_Johns", "Europe/Berlin", "Pacific/Chatham"}) {
    auto set = run_sync(io, (*conn)->execute(std::string("SET TimeZone = '") + zone + "'", 5s));
    ASSERT_TRUE(set) << zone;
    auto rows =
        run_sync(io, (*conn)->query("SELECT t::text, to_char(t AT TIME ZONE 'UTC',"
                                    " 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') FROM (VALUES (now()),"
                                    " ('2026-03-29 01:59:59.999999+00'::timestamptz),"
                                    " ('2026-10-25 00:30:00.5+00'::timestamptz),"
                                    " ('2000-02-29 23:59:59+00'::timestamptz)) v(t)",
                                    {}, 5s));
    ASSERT_TRUE(rows) << rows.error().detail;
    for (int r = 0; r < rows->rows(); ++r) {
      EXPECT_EQ(iso8601_utc_millis(rows->text(r, 0)), std::string(rows->text(r, 1)))
          << zone << " " << rows->text(r, 0);
    }
  }
}

// Binary-format values read back as PostgreSQL's own text says, including
// before 2000 (negative microseconds) and at the edges of a day and an era.
TEST(DbRows, BinaryTimestampsAndUuidsAgreeWithPostgresText) {
  auto& pg = testing::shared_temp_postgres();
  asio::io_context io;
  auto conn = run_sync(io, Connection::connect(io, pg.url(), 5s));
  ASSERT_TRUE(conn);
  auto created = run_sync(
      io, (*conn)->execute(
              "SET TimeZone = 'Asia/Kolkata';"
              " CREATE TEMP TABLE binary_values AS SELECT t,"
              " to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') AS iso,"
              " gen_random_uuid() AS u FROM (VALUES (now()),"
              " ('1969-07-20 20:17:40.123456+00'::timestamptz), ('2000-01-01 00:00:00+00'),"
              " ('1999-12-31 23:59:59.999999+00'), ('2024-02-29 12:00:00.0005+00'),"
              " ('9999-12-31 23:59:59.999999+00'), ('0001-01-01 00:00:00+00')) v(t)",
              5s));
  ASSERT_TRUE(created) << created.error().detail;
  constexpr Statement kRead{"rows_binary_read", "SELECT t, iso, u, u::text FROM binary_values",
                            ResultFormat::binary};
  auto rows = run_sync(io, (*conn)->prepared(kRead, {}, 5s));
  ASSERT_TRUE(rows) << rows.error().detail;
  ASSERT_EQ(rows->rows(), 7);
  for (int r = 0; r < rows->rows(); ++r) {
    const auto micros = rows->binary_int64(r, 0);
    ASSERT_TRUE(micros.has_value());
    std::string iso;
    EXPECT_TRUE(append_iso8601_utc_millis(iso, *micros));
    EXPECT_EQ(iso, rows->text(r, 1));
    // The exact text reads back as the same instant.
    const auto text = timestamptz_text(*micros);
    ASSERT_TRUE(text.has_value());
    Params same{*text};
    auto check = run_sync(
        io, (*conn)->query("SELECT count(*) = 1 FROM binary_values WHERE t = $1::timestamptz", same,
                           5s));
    ASSERT_TRUE(check) << check.error().detail;
    EXPECT_TRUE(check->boolean(0, 0)) << *text;
    std::string uuid;
    EXPECT_TRUE(rows->append_binary_uuid(uuid, r, 2));
    EXPECT_EQ(uuid, rows->text(r, 3));
  }
  // Wrong sizes and NULL are refused, not misread.
  EXPECT_FALSE(rows->binary_int64(0, 2).has_value());
  std::string none;
  EXPECT_FALSE(rows->append_binary_uuid(none, 0, 0));
  EXPECT_TRUE(none.empty());
  std::string inf;
  EXPECT_FALSE(append_iso8601_utc_millis(inf, std::numeric_limits<std::int64_t>::max()));
  EXPECT_FALSE(append_iso8601_utc_millis(inf, std::numeric_limits<std::int64_t>::min()));
  EXPECT_EQ(inf, "infinity-infinity");
  EXPECT_FALSE(timestamptz_text(std::numeric_limits<std::int64_t>::max()).has_value());
}

TEST(TempPostgres, StartsQuickly) {
  auto& pg = testing::shared_temp_postgres();
  ::testing::Test::RecordProperty("startup_ms", static_cast<int>(pg.startup_time().count()));
  std::printf("TempPostgres started in %lld ms\n",
              static_cast<long long>(pg.startup_time().count()));
  EXPECT_TRUE(pg.running());
}

TEST(DbConnection, QueriesWithParamsAndNulls) {
  auto& pg = testing::shared_temp_postgres();
  asio::io_context io;
  auto conn = run_sync(io, Connection::connect(io, pg.url(), 5s));
  ASSERT_TRUE(conn) << conn.error().detail;
  Params params{"hello", std::nullopt, 42, true, std::string("it's")};
  auto rows = run_sync(
      io, (*conn)->query("SELECT $1::text, $2::text, $3::int8 + 1 AS n, $4::bool, $5::text", params,
                         5s));
  ASSERT_TRUE(rows) << rows.error().detail;
  ASSERT_EQ(rows->rows(), 1);
  ASSERT_EQ(rows->cols(), 5);
  EXPECT_EQ(rows->text(0, 0), "hello");
  EXPECT_TRUE(rows->is_null(0, 1));
  EXPECT_EQ(rows->optional_text(0, 1), std::nullopt);
  EXPECT_EQ(rows->int64(0, 2), 43);
  EXPECT_TRUE(rows->boolean(0, 3));
  EXPECT_EQ(rows->text(0, 4), "it's");
  EXPECT_EQ(rows->column("n"), 2);
  EXPECT_EQ(rows->column("missing"), -1);
}

TEST(DbConnection, ManyRowsAndMultiStatementExecute) {
  auto& pg = testing::shared_temp_postgres();
  asio::io_context io;
  auto conn = run_sync(io, Connection::connect(io, pg.url(), 5s));
  ASSERT_TRUE(conn);
  // Larger than one socket buffer: exercises the edge-triggered read path.
  auto rows = run_sync(
      io, (*conn)->query("SELECT g, repeat('x', 100) FROM generate_series(1, 50000) g", {}, 10s));
  ASSERT_TRUE(rows) << rows.error().detail;
  EXPECT_EQ(rows->rows(), 50000);
  EXPECT_EQ(rows->int64(49999, 0), 50000);
  auto last =
      run_sync(io, (*conn)->execute("CREATE TEMP TABLE t (x int); INSERT INTO t VALUES (1), (2); "
                                    "SELECT count(*) FROM t",
                                    5s));
  ASSERT_TRUE(last) << last.error().detail;
  EXPECT_EQ(last->int64(0, 0), 2);
}

TEST(DbConnection, ConnectToNothingIsUnavailable) {
  asio::io_context io;
  const int port = testing::free_port();
  auto conn = run_sync(
      io, Connection::connect(
              io, "postgres://postgres@127.0.0.1:" + std::to_string(port) + "/parley", 2s));
  ASSERT_FALSE(conn);
  EXPECT_EQ(conn.error().code, "db.unavailable");
}

TEST(DbConnection, SqlErrorsCarrySqlstate) {
  auto& pg = testing::shared_temp_postgres();
  asio::io_context io;
  auto conn = run_sync(io, Connection::connect(io, pg.url(), 5s));
  ASSERT_TRUE(conn);
  auto bad = run_sync(io, (*conn)->query("SELECT * FROM no_such_table", {}, 5s));
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, "db.query");
  EXPECT_NE(bad.error().detail.find("42P01"), std::string::npos) << bad.error().detail;
  EXPECT_FALSE((*conn)->broken());

  auto dup = run_sync(io, (*conn)->execute("CREATE TEMP TABLE u (x int primary key); "
                                           "INSERT INTO u VALUES (1); INSERT INTO u VALUES (1)",
                                           5s));
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error().code, "db.unique_violation");

  auto ser = run_sync(
      io, (*conn)->query(
              "DO $$ BEGIN RAISE EXCEPTION 'x' USING ERRCODE = 'serialization_failure'; END $$", {},
              5s));
  ASSERT_FALSE(ser);
  EXPECT_EQ(ser.error().code, "db.serialization");
  // Still usable after SQL errors.
  auto ok = run_sync(io, (*conn)->query("SELECT 1", {}, 5s));
  EXPECT_TRUE(ok);
}

TEST(DbConnection, PreparedStatementsArePreparedOncePerConnection) {
  auto& pg = testing::shared_temp_postgres();
  asio::io_context io;
  auto conn = run_sync(io, Connection::connect(io, pg.url(), 5s));
  ASSERT_TRUE(conn);
  constexpr Statement kAdd{"test_add", "SELECT $1::int + $2::int"};
  for (int i = 0; i < 3; ++i) {
    Params params{i, 10};
    auto rows = run_sync(io, (*conn)->prepared(kAdd, params, 5s));
    ASSERT_TRUE(rows) << rows.error().detail;
    EXPECT_EQ(rows->int64(0, 0), i + 10);
  }
  auto count = run_sync(
      io, (*conn)->query("SELECT count(*) FROM pg_prepared_statements WHERE name = 'test_add'", {},
                         5s));
  ASSERT_TRUE(count);
  EXPECT_EQ(count->int64(0, 0), 1);
}

TEST(DbConnection, ATextParameterWithANulIsRefusedNotCut) {
  auto& pg = testing::shared_temp_postgres();
  asio::io_context io;
  auto conn = run_sync(io, Connection::connect(io, pg.url(), 5s));
  ASSERT_TRUE(conn);
  Params params{"fine", std::string("cut\0here", 8)};
  auto plain = run_sync(io, (*conn)->query("SELECT $1::text || $2::text", params, 5s));
  ASSERT_FALSE(plain);
  EXPECT_EQ(plain.error().code, "db.bad_parameter");
  EXPECT_NE(plain.error().detail.find("$2"), std::string::npos);
  constexpr Statement kEcho{"test_echo", "SELECT $1::text || $2::text"};
  auto prepared = run_sync(io, (*conn)->prepared(kEcho, params, 5s));
  ASSERT_FALSE(prepared);
  EXPECT_EQ(prepared.error().code, "db.bad_parameter");
  EXPECT_FALSE((*conn)->broken());
  Params ok{"fine", "whole"};
  auto rows = run_sync(io, (*conn)->prepared(kEcho, ok, 5s));
  ASSERT_TRUE(rows);
  EXPECT_EQ(rows->text(0, 0), "finewhole");
}

}  // namespace
}  // namespace parley::db
