#include "support/temp_postgres.hpp"

#include <pwd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <stdexcept>

#include "support/child_process.hpp"

namespace parley::testing {

namespace {

#ifndef PARLEY_TEST_SOURCE_DIR
#define PARLEY_TEST_SOURCE_DIR "."
#endif

constexpr const char* kServerOptions =
    "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c shared_buffers=16MB "
    "-c max_connections=200 -c max_wal_size=256MB -c log_min_messages=warning";

std::string pg_script() {
  const char* env = std::getenv("PARLEY_SOURCE_DIR");
  std::string root = env && *env ? env : PARLEY_TEST_SOURCE_DIR;
  return root + "/scripts/pg.sh";
}

struct CommandResult {
  int status = -1;
  std::string output;
};

// Paths here come from mkdtemp and the source tree: no shell quoting needed
// beyond single quotes.
CommandResult run(const std::string& command) {
  CommandResult out;
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(::popen((command + " 2>&1").c_str(), "r"), ::pclose);
  if (!pipe) throw std::runtime_error("popen failed: " + command);
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, pipe.get())) > 0) out.output.append(buf, n);
  const int raw = ::pclose(pipe.release());
  out.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  return out;
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  const auto nl = s.rfind('\n');
  return nl == std::string::npos ? s : s.substr(nl + 1);
}

}  // namespace

TempPostgres::TempPostgres() {
  const auto started = std::chrono::steady_clock::now();
  char tmpl[] = "/tmp/parley-pg-XXXXXX";
  if (!::mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
  dir_ = tmpl;
  datadir_ = dir_ + "/data";
  if (::geteuid() == 0) {
    // PostgreSQL refuses to run as root; pg.sh runs it as `postgres`, who
    // must own the directory.
    if (const passwd* pw = ::getpwnam("postgres")) {
      if (::chown(dir_.c_str(), pw->pw_uid, pw->pw_gid) != 0) {
        throw std::runtime_error("chown " + dir_ + " failed");
      }
    }
  }
  for (int attempt = 0;; ++attempt) {
    port_ = free_port();
    try {
      start();
      break;
    } catch (const std::runtime_error&) {
      // Another process may have taken the port in between: try another.
      if (attempt == 2) {
        std::error_code ec;
        std::filesystem::remove_all(dir_, ec);
        throw;
      }
    }
  }
  startup_time_ = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - started);
}

TempPostgres::~TempPostgres() {
  try {
    stop();
  } catch (...) {
  }
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

void TempPostgres::start() {
  if (running_) return;
  // The initdb result is cached per user in /tmp and copied: ~1 s saved.
  const std::string command = "PG_TEMPLATE='/tmp/parley-pg-template-u" +
                              std::to_string(::geteuid()) +
                              "' PG_INITDB_OPTS='--no-sync' PG_EXTRA_OPTS='" +
                              std::string(kServerOptions) + "' '" + pg_script() + "' start '" +
                              datadir_ + "' " + std::to_string(port_);
  auto result = run(command);
  if (result.status != 0) throw std::runtime_error("pg.sh start failed: " + result.output);
  url_ = trim(result.output);
  running_ = true;
}

void TempPostgres::stop() {
  if (!running_) return;
  auto result = run("'" + pg_script() + "' stop '" + datadir_ + "'");
  running_ = false;
  if (result.status != 0) throw std::runtime_error("pg.sh stop failed: " + result.output);
}

void TempPostgres::restart() {
  stop();
  start();
}

std::string TempPostgres::url_for(std::string_view database) const {
  return "postgres://postgres@127.0.0.1:" + std::to_string(port_) + "/" + std::string(database);
}

std::string TempPostgres::create_database(std::string_view prefix) {
  const std::string name = std::string(prefix) + "_" + std::to_string(++databases_);
  auto result = run("psql -X -q -v ON_ERROR_STOP=1 '" + url_ + "' -c 'CREATE DATABASE " + name + "'");
  if (result.status != 0) throw std::runtime_error("CREATE DATABASE failed: " + result.output);
  return url_for(name);
}

TempPostgres& shared_temp_postgres() {
  static TempPostgres instance;
  return instance;
}

}  // namespace parley::testing
