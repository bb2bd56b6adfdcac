#include "db/connection.hpp"

#include <libpq-fe.h>
#include <poll.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cstring>
#include <unordered_set>
#include <vector>

#include "db/connection_impl.hpp"
#include "observability/log.hpp"
#include "db/errors.hpp"

namespace parley::db {

namespace asio = boost::asio;

namespace detail {

std::string trimmed(const char* message) {
  std::string s = message ? message : "";
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

bool is_connection_sqlstate(std::string_view state) {
  return state.starts_with("08") || state == "57P01" || state == "57P02" || state == "57P03";
}

Result<std::vector<const char*>> parameter_values(const Params& params) {
  std::vector<const char*> values(params.size());
  for (std::size_t i = 0; i < params.size(); ++i) {
    const auto& v = params[i].value();
    if (v && v->find('\0') != std::string::npos) {
      return Error(errc::db::bad_parameter,
                   "parameter $" + std::to_string(i + 1) + " contains a NUL character");
    }
    values[i] = v ? v->c_str() : nullptr;
  }
  return values;
}

}  // namespace detail

namespace {

using detail::trimmed;
using detail::Want;

void on_notice(void*, const char* message) {
  log::debug("db.notice").str("message", trimmed(message));
}

}  // namespace

Connection::Impl::~Impl() {
  timer.cancel();
  release_socket();
  if (conn) PQfinish(conn);
}

void Connection::Impl::release_socket() {
  if (sd.is_open()) (void)sd.release();
}

bool Connection::Impl::assign_socket() {
  release_socket();
  const int fd = PQsocket(conn);
  if (fd < 0) return false;
  boost::system::error_code ec;
  sd.assign(fd, ec);
  return !ec;
}

void Connection::Impl::arm(std::chrono::milliseconds timeout) {
  expired = false;
  timer.expires_after(timeout);
  timer.async_wait([this, token = std::weak_ptr<int>(alive)](const boost::system::error_code& ec) {
    if (ec || token.expired()) return;
    expired = true;
    boost::system::error_code ignored;
    sd.cancel(ignored);
  });
}

void Connection::Impl::disarm() { timer.cancel(); }

// Asio's epoll registration is edge-triggered and wait operations are not
// speculative, so readiness that arrived while nobody waited is checked with
// poll(2) first; on this single-threaded io_context no edge can be consumed
// in between.
asio::awaitable<bool> Connection::Impl::wait(Want want) {
  if (expired || cancelled || !sd.is_open()) co_return false;
  pollfd p{};
  p.fd = sd.native_handle();
  p.events = want == Want::read ? POLLIN : POLLOUT;
  if (::poll(&p, 1, 0) > 0) co_return true;
  auto [ec] = co_await sd.async_wait(want == Want::read ? asio::posix::descriptor_base::wait_read
                                                        : asio::posix::descriptor_base::wait_write,
                                     asio::as_tuple(asio::use_awaitable));
  if (expired || cancelled) co_return false;
  co_return !ec;
}

Error Connection::Impl::lost(std::string detail) {
  is_broken = true;
  if (detail.empty()) detail = trimmed(PQerrorMessage(conn));
  return Error(errc::db::unavailable, std::move(detail));
}

Error Connection::Impl::interrupted() {
  is_broken = true;
  if (cancelled) return Error(errc::db::unavailable, "cancelled");
  return Error(errc::db::timeout, "operation exceeded its deadline");
}

Error Connection::Impl::result_error(PGresult* r) {
  const char* state_c = PQresultErrorField(r, PG_DIAG_SQLSTATE);
  const std::string state = state_c ? state_c : "";
  std::string detail = (state.empty() ? std::string() : "SQLSTATE " + state + ": ") +
                       trimmed(PQresultErrorMessage(r));
  if (state.empty() || detail::is_connection_sqlstate(state)) {
    if (PQstatus(conn) == CONNECTION_BAD || !state.empty()) return lost(std::move(detail));
  }
  if (state == "23505") return Error(errc::db::unique_violation, std::move(detail));
  if (state == "40001") return Error(errc::db::serialization, std::move(detail));
  if (state == "42501") return Error(errc::db::insufficient_privilege, std::move(detail));
  return Error(errc::db::query, std::move(detail));
}

asio::awaitable<Result<Rows>> Connection::Impl::finish() {
  for (;;) {
    const int f = PQflush(conn);
    if (f == 0) break;
    if (f < 0) co_return lost();
    if (!co_await wait(Want::write)) co_return interrupted();
  }
  Rows last;
  std::optional<Error> error;
  for (;;) {
    while (PQisBusy(conn)) {
      if (!co_await wait(Want::read)) co_return interrupted();
      if (!PQconsumeInput(conn)) co_return lost();
    }
    PGresult* r = PQgetResult(conn);
    if (!r) break;
    switch (PQresultStatus(r)) {
      case PGRES_FATAL_ERROR:
        if (!error) error = result_error(r);
        PQclear(r);
        break;
      case PGRES_COPY_IN:
      case PGRES_COPY_OUT:
      case PGRES_COPY_BOTH:
        PQclear(r);
        co_return lost("COPY is not supported");
      default:
        last = Rows(r);
        break;
    }
    if (PQstatus(conn) == CONNECTION_BAD) co_return lost();
  }
  if (PQstatus(conn) == CONNECTION_BAD) co_return lost();
  if (error) co_return *error;
  co_return last;
}

Connection::Connection(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Connection::~Connection() = default;

asio::awaitable<Result<std::unique_ptr<Connection>>> Connection::connect(
    asio::io_context& io, std::string url, std::chrono::milliseconds timeout) {
  PGconn* raw = PQconnectStart(url.c_str());
  if (!raw) co_return Error(errc::db::unavailable, "libpq could not allocate a connection");
  auto impl = std::make_unique<Impl>(io, raw);
  if (PQstatus(raw) == CONNECTION_BAD) co_return impl->lost();
  PQsetNoticeProcessor(raw, on_notice, nullptr);
  impl->arm(timeout);
  // libpq: after PQconnectStart, behave as if PQconnectPoll returned WRITING.
  PostgresPollingStatusType st = PGRES_POLLING_WRITING;
  for (;;) {
    if (st == PGRES_POLLING_OK) break;
    if (st == PGRES_POLLING_FAILED) {
      impl->disarm();
      co_return impl->lost();
    }
    if (!impl->assign_socket()) {
      impl->disarm();
      co_return impl->lost();
    }
    if (!co_await impl->wait(st == PGRES_POLLING_READING ? Want::read : Want::write)) {
      impl->disarm();
      impl->is_broken = true;
      co_return Error(errc::db::unavailable, "connect timed out");
    }
    st = PQconnectPoll(raw);
  }
  impl->disarm();
  if (PQsetnonblocking(raw, 1) != 0 || !impl->assign_socket()) co_return impl->lost();
  co_return std::unique_ptr<Connection>(new Connection(std::move(impl)));
}

asio::awaitable<Result<Rows>> Connection::query(std::string_view sql, const Params& params,
                                                std::chrono::milliseconds timeout) {
  const std::string text(sql);
  auto values = detail::parameter_values(params);
  if (!values) co_return values.error();
  PGconn* c = impl_->conn;
  co_return co_await impl_->run(
      [&] {
        return PQsendQueryParams(c, text.c_str(), static_cast<int>(values->size()), nullptr,
                                 values->data(), nullptr, nullptr, 0) == 1;
      },
      timeout);
}

asio::awaitable<Result<Rows>> Connection::prepared(const Statement& statement, const Params& params,
                                                   std::chrono::milliseconds timeout) {
  const std::string name(statement.name);
  auto values = detail::parameter_values(params);
  if (!values) co_return values.error();
  PGconn* c = impl_->conn;
  if (!impl_->prepared_names.contains(name)) {
    const std::string text(statement.sql);
    auto prepared = co_await impl_->run(
        [&] { return PQsendPrepare(c, name.c_str(), text.c_str(), 0, nullptr) == 1; }, timeout);
    if (!prepared) co_return prepared.error();
    impl_->prepared_names.insert(name);
  }
  co_return co_await impl_->run(
      [&] {
        return PQsendQueryPrepared(c, name.c_str(), static_cast<int>(values->size()),
                                   values->data(), nullptr, nullptr,
                                   static_cast<int>(statement.results)) == 1;
      },
      timeout);
}

asio::awaitable<Result<Rows>> Connection::execute(std::string_view sql,
                                                  std::chrono::milliseconds timeout) {
  const std::string text(sql);
  PGconn* c = impl_->conn;
  co_return co_await impl_->run([&] { return PQsendQuery(c, text.c_str()) == 1; }, timeout);
}

asio::awaitable<Result<std::optional<Notification>>> Connection::wait_notification(
    std::chrono::milliseconds idle) {
  Impl& d = *impl_;
  if (d.is_broken || PQstatus(d.conn) != CONNECTION_OK) co_return d.lost("connection is broken");
  d.arm(idle);
  for (;;) {
    if (PGnotify* n = PQnotifies(d.conn)) {
      Notification out{n->relname ? n->relname : "", n->extra ? n->extra : ""};
      PQfreemem(n);
      d.disarm();
      co_return std::optional<Notification>(std::move(out));
    }
    if (!co_await d.wait(Want::read)) {
      d.disarm();
      if (d.expired && !d.cancelled) co_return std::optional<Notification>();
      co_return d.interrupted();
    }
    if (!PQconsumeInput(d.conn)) {
      d.disarm();
      co_return d.lost();
    }
  }
}

void Connection::cancel() {
  impl_->cancelled = true;
  impl_->is_broken = true;
  boost::system::error_code ignored;
  impl_->sd.cancel(ignored);
}

bool Connection::broken() const { return impl_->is_broken; }
bool Connection::in_transaction() const { return PQtransactionStatus(impl_->conn) != PQTRANS_IDLE; }
bool Connection::failed_before_send() const { return impl_->before_send; }

bool Connection::healthy() {
  Impl& d = *impl_;
  if (d.is_broken || PQstatus(d.conn) != CONNECTION_OK || !d.sd.is_open()) return false;
  // An idle connection has nothing to read unless the server spoke first
  // (usually "terminating connection" followed by EOF).
  for (int i = 0; i < 4; ++i) {
    pollfd p{};
    p.fd = d.sd.native_handle();
    p.events = POLLIN;
    if (::poll(&p, 1, 0) <= 0) break;
    if (!PQconsumeInput(d.conn)) {
      d.is_broken = true;
      return false;
    }
    (void)PQisBusy(d.conn);
    if (PQstatus(d.conn) != CONNECTION_OK) break;
  }
  while (PGnotify* n = PQnotifies(d.conn)) PQfreemem(n);
  if (PQstatus(d.conn) != CONNECTION_OK) d.is_broken = true;
  return !d.is_broken;
}

std::string Connection::escape_identifier(std::string_view name) const {
  char* quoted = PQescapeIdentifier(impl_->conn, name.data(), name.size());
  if (!quoted) return {};
  std::string out(quoted);
  PQfreemem(quoted);
  return out;
}

}  // namespace parley::db
