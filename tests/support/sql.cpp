#include "support/sql.hpp"

#include <gtest/gtest.h>
#include <libpq-fe.h>

namespace parley::testing {

std::string sql_scalar(const std::string& database_url, const std::string& sql) {
  PGconn* conn = PQconnectdb(database_url.c_str());
  std::string out;
  if (PQstatus(conn) == CONNECTION_OK) {
    PGresult* r = PQexec(conn, sql.c_str());
    if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0) {
      out = PQgetvalue(r, 0, 0);
    } else if (PQresultStatus(r) != PGRES_TUPLES_OK) {
      ADD_FAILURE() << sql << ": " << PQerrorMessage(conn);
    }
    PQclear(r);
  }
  PQfinish(conn);
  return out;
}

void sql_exec(const std::string& database_url, const std::string& sql) {
  PGconn* conn = PQconnectdb(database_url.c_str());
  ASSERT_EQ(PQstatus(conn), CONNECTION_OK) << PQerrorMessage(conn);
  PGresult* r = PQexec(conn, sql.c_str());
  EXPECT_TRUE(PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK)
      << sql << ": " << PQerrorMessage(conn);
  PQclear(r);
  PQfinish(conn);
}

}  // namespace parley::testing
