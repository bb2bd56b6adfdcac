#pragma once
// Internal to parley_db: the state of one libpq connection on Asio, shared
// by Connection (one operation at a time) and Pipeline (many in flight).
// Not part of the module's API.

#include <libpq-fe.h>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "db/connection.hpp"

namespace parley::db::detail {

std::string trimmed(const char* message);

// Server-side errors that mean "this connection is gone" rather than "this
// statement is wrong": class 08 (connection exception) and 57P01..57P03
// (admin shutdown, crash shutdown, cannot connect now).
bool is_connection_sqlstate(std::string_view state);

// Text-format parameters travel as C strings: an embedded NUL would cut the
// value short without a word (and PostgreSQL text cannot hold U+0000
// anyway), so such a value is refused before anything is sent
// (db.bad_parameter).
Result<std::vector<const char*>> parameter_values(const Params& params);

enum class Want { read, write };

}  // namespace parley::db::detail

namespace parley::db {

struct Connection::Impl {
  Impl(boost::asio::io_context& context, PGconn* c)
      : io(context), conn(c), sd(context), timer(context) {}
  ~Impl();

  boost::asio::io_context& io;
  PGconn* conn;
  boost::asio::posix::stream_descriptor sd;
  boost::asio::steady_timer timer;
  // The timer handler may run after this Impl is gone (it was already queued
  // when the connection was destroyed): it checks this token first.
  std::shared_ptr<int> alive = std::make_shared<int>(0);
  bool is_broken = false;
  bool before_send = false;
  bool expired = false;
  bool cancelled = false;
  std::unordered_set<std::string> prepared_names;

  // libpq owns the fd: Asio must never close it.
  void release_socket();
  // PQsocket() may change during PQconnectPoll (and a closed fd number may
  // be reused by the next socket, which epoll no longer watches), so the
  // descriptor is re-registered whenever it is (re)assigned.
  bool assign_socket();

  // One deadline for the operation in progress: when it passes, waits fail.
  void arm(std::chrono::milliseconds timeout);
  void disarm();

  // Waits until the socket is ready; false when the deadline passed, the
  // connection was cancelled or the wait failed.
  boost::asio::awaitable<bool> wait(detail::Want want);

  // Marks the connection broken: db.unavailable with libpq's message.
  Error lost(std::string detail = {});
  // db.timeout, or db.unavailable after cancel(); marks the connection broken.
  Error interrupted();
  // The error of a PGRES_FATAL_ERROR result (see connection.hpp for codes).
  Error result_error(PGresult* r);

  // Sends what libpq buffered, then reads every result of the command.
  boost::asio::awaitable<Result<Rows>> finish();

  // Runs `send` (a PQsend* call) and collects its results within `timeout`.
  template <class Send>
  boost::asio::awaitable<Result<Rows>> run(Send send, std::chrono::milliseconds timeout) {
    before_send = false;
    if (is_broken || PQstatus(conn) != CONNECTION_OK) {
      before_send = true;
      co_return lost("connection is broken");
    }
    if (!send()) {
      // Nothing reached the server (libpq failed to queue or to write it).
      before_send = true;
      co_return lost();
    }
    arm(timeout);
    auto result = co_await finish();
    disarm();
    co_return result;
  }
};

}  // namespace parley::db
