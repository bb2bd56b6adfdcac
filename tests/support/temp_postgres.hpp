#pragma once
// A throwaway PostgreSQL cluster for tests (started through scripts/pg.sh,
// the same script `make dev` uses): a fresh temp directory, a free loopback
// port, durability off (fsync, synchronous_commit, full_page_writes) for
// speed, database `parley`. The destructor stops the server and deletes
// the directory. As root, the server runs as the `postgres` user.
//
// Failures to start throw std::runtime_error with the script's output.

#include <chrono>
#include <string>
#include <string_view>

namespace parley::testing {

class TempPostgres {
 public:
  TempPostgres();
  ~TempPostgres();
  TempPostgres(const TempPostgres&) = delete;
  TempPostgres& operator=(const TempPostgres&) = delete;

  // postgres://postgres@127.0.0.1:<port>/parley
  const std::string& url() const { return url_; }
  // The same server, another database.
  std::string url_for(std::string_view database) const;
  int port() const { return port_; }
  const std::string& dir() const { return dir_; }
  // Time the first start took (initdb included).
  std::chrono::milliseconds startup_time() const { return startup_time_; }

  // Creates an empty database named `<prefix>_<n>` and returns its URL.
  std::string create_database(std::string_view prefix);

  void start();    // no-op when running
  void stop();     // fast shutdown: open connections are terminated
  void restart();  // stop + start on the same port
  bool running() const { return running_; }

 private:
  std::string dir_;
  std::string datadir_;
  std::string url_;
  int port_ = 0;
  bool running_ = false;
  int databases_ = 0;
  std::chrono::milliseconds startup_time_{0};
};

// One cluster per test process, started on first use and stopped at exit.
TempPostgres& shared_temp_postgres();

}  // namespace parley::testing
