#pragma once
// How well DATABASE_URL protects the connection to PostgreSQL, for `parley
// doctor` (decision 0007-rough-edges). Parses the connection string with
// libpq's own parser (URL and key=value forms alike) and contacts nothing.
//
//   every host loopback or a Unix socket              ok
//   another host, sslmode=verify-full                 ok
//   another host, sslmode=verify-ca or require        warn (identity not fully verified)
//   another host, sslmode disable/allow/prefer/unset  warn (may run without TLS)
//   an sslmode libpq does not know, unparseable       fail
//
// The detail names the sslmode and the remote hosts, never the password.

#include <string>
#include <string_view>

#include "config/config.hpp"

namespace parley::app {

struct DatabaseTlsVerdict {
  std::string status;  // ok | warn | fail
  std::string detail;
};

// `env` gives what libpq falls back to when the string does not say:
// PGSSLMODE, PGHOST, PGHOSTADDR.
DatabaseTlsVerdict check_database_tls(std::string_view conninfo, const config::Env& env);

}  // namespace parley::app
