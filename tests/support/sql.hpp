#pragma once
// Plain SQL against a test database (libpq, one connection per call), for
// arranging rows and checking what the server wrote.

#include <string>

namespace parley::testing {

// The first column of the first row ("" when there is none); a failing
// statement fails the test.
std::string sql_scalar(const std::string& database_url, const std::string& sql);
// Runs `sql` (several statements may be given); a failure fails the test.
void sql_exec(const std::string& database_url, const std::string& sql);

}  // namespace parley::testing
