// doctor's verdict on how DATABASE_URL protects the database connection,
// for URL and key=value strings, parsed by libpq itself.

#include "app/database_tls.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>

namespace parley::app {
namespace {

using Vars = std::map<std::string, std::string, std::less<>>;

config::Env env_of(Vars vars) {
  return [vars = std::move(vars)](std::string_view name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

struct Case {
  const char* conninfo;
  const char* status;
  const char* detail_has;  // a fragment the detail must contain
};

TEST(DatabaseTls, ClassifiesHostsAndSslModes) {
  const Case cases[] = {
      // Loopback and Unix sockets: nothing crosses a network.
      {"postgres://parley:pw@127.0.0.1:5432/parley", "ok", "loopback or a local socket only"},
      {"postgres://parley@localhost/parley", "ok", "sslmode=prefer (libpq's default)"},
      {"postgresql://parley@[::1]:5432/parley", "ok", "local socket"},
      {"postgresql:///parley?host=/var/run/postgresql", "ok", "local socket"},
      {"postgres:///parley", "ok", "local socket"},
      {"host=/tmp dbname=parley", "ok", "local socket"},
      {"host=127.0.0.1 dbname=parley sslmode=disable", "ok", "sslmode=disable"},
      // Another host: only verify-full is ok.
      {"postgres://parley:pw@db.bank.example:5432/parley?sslmode=verify-full", "ok",
       "certificate and host name verified (db.bank.example)"},
      {"host=db.bank.example dbname=parley sslmode=verify-full", "ok", "verify-full"},
      {"postgres://parley@db.bank.example/parley?sslmode=verify-ca", "warn",
       "the server identity is not fully verified"},
      {"postgres://parley@db.bank.example/parley?sslmode=require", "warn",
       "the server identity is not verified (db.bank.example)"},
      {"host=10.1.2.3 sslmode=require", "warn", "not verified (10.1.2.3)"},
      {"postgres://parley@db.bank.example/parley", "warn",
       "sslmode=prefer (libpq's default): the connection to db.bank.example may be unencrypted"},
      {"postgres://parley@db.bank.example/parley?sslmode=prefer", "warn", "may be unencrypted"},
      {"postgres://parley@db.bank.example/parley?sslmode=allow", "warn", "sslmode=allow"},
      {"postgres://parley@db.bank.example/parley?sslmode=disable", "warn", "sslmode=disable"},
      {"host=db.bank.example port=5432 dbname=parley", "warn", "may be unencrypted"},
      {"host=db.bank.example requiressl=1", "warn", "sslmode=require"},
      // Several hosts: any remote one counts, and is named.
      {"postgres://parley@127.0.0.1,db2.bank.example/parley?sslmode=require", "warn",
       "(db2.bank.example)"},
      {"host=127.0.0.1,/tmp sslmode=disable", "ok", "local socket"},
      // hostaddr is where libpq connects; host then only names the server.
      {"host=db.bank.example hostaddr=127.0.0.1", "ok", "local socket"},
      {"host=localhost hostaddr=10.1.2.3 sslmode=verify-full", "ok", "(10.1.2.3)"},
      // Garbage.
      {"postgres://parley@db.bank.example/parley?sslmode=verify", "fail",
       "sslmode is none that libpq knows"},
      {"host='unterminated", "fail", "not a connection string libpq accepts"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.conninfo);
    const auto v = check_database_tls(c.conninfo, env_of({}));
    EXPECT_EQ(v.status, c.status) << v.detail;
    EXPECT_NE(v.detail.find(c.detail_has), std::string::npos) << v.detail;
  }
}

// libpq reads PGSSLMODE and PGHOST when the string does not say.
TEST(DatabaseTls, FollowsLibpqEnvironmentFallbacks) {
  EXPECT_EQ(check_database_tls("postgres://parley@db.bank.example/parley",
                               env_of({{"PGSSLMODE", "verify-full"}}))
                .status,
            "ok");
  EXPECT_EQ(check_database_tls("postgres://parley@db.bank.example/parley?sslmode=require",
                               env_of({{"PGSSLMODE", "verify-full"}}))
                .status,
            "warn")
      << "the string wins over the environment";
  EXPECT_EQ(
      check_database_tls("postgres:///parley", env_of({{"PGHOST", "db.bank.example"}})).status,
      "warn");
  EXPECT_EQ(
      check_database_tls("postgres://127.0.0.1/parley", env_of({{"PGHOST", "db.example"}})).status,
      "ok");
}

TEST(DatabaseTls, NeverShowsThePassword) {
  for (const char* conninfo :
       {"postgres://parley:s3cret-pw@db.bank.example/parley?sslmode=require",
        "postgres://parley:s3cret-pw@db.bank.example/parley?unknown_option=1",
        "postgres://parley:s3cret-pw@db.bank.example/parley?sslmode=s3cret-pw",
        "host=db.bank.example password=s3cret-pw sslmode=prefer",
        "host=db.bank.example password='s3cret-pw"}) {
    const auto v = check_database_tls(conninfo, env_of({}));
    EXPECT_EQ(v.detail.find("s3cret-pw"), std::string::npos) << conninfo << " -> " << v.detail;
  }
}

}  // namespace
}  // namespace parley::app
