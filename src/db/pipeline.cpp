#include "db/pipeline.hpp"

#include <libpq-fe.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <deque>
#include <optional>
#include <string>

#include "db/connection_impl.hpp"
#include "db/errors.hpp"

namespace parley::db {

namespace asio = boost::asio;
using detail::Want;

namespace {

// A caller waiting for its statement; lives in the caller's coroutine frame.
struct Pending {
  explicit Pending(asio::io_context& io) : timer(io) {}
  ~Pending();
  Pending(const Pending&) = delete;
  Pending& operator=(const Pending&) = delete;

  asio::steady_timer timer;  // the deadline; cancelled when the outcome is set
  std::optional<Result<Rows>> outcome;
  // A failed PREPARE sent just before the statement: its error explains the
  // statement's "aborted" result.
  std::optional<Error> prepare_error;
  std::weak_ptr<Pipeline::State> owner;  // set while queued
};

enum class Step { prepare, query, sync };

// One protocol step whose results have not all arrived yet.
struct Command {
  Command(Step s, Pending* p, std::string name = {})
      : step(s), pending(p), statement_name(std::move(name)) {}

  Step step;
  Pending* pending = nullptr;  // none for a Sync, or when the caller is gone
  std::string statement_name;  // for a PREPARE
  std::optional<Rows> rows;
  std::optional<Error> error;
  bool answered = false;  // a result arrived; the NULL after it ends the step
};

}  // namespace

struct Pipeline::State : std::enable_shared_from_this<State> {
  explicit State(std::unique_ptr<Connection> c) : connection(std::move(c)) {}

  std::unique_ptr<Connection> connection;
  std::deque<Command> commands;  // sent to libpq, in order
  bool sync_scheduled = false;   // a Sync is posted for this turn's statements
  bool reading = false;          // the reader coroutine runs
  bool writing = false;          // the writer coroutine runs
  bool broken = false;
  std::uint64_t syncs = 0;

  Connection::Impl& link() { return *connection->impl_; }

  // Ends every pending statement with `error` and gives up the connection.
  void fail_all(const Error& error) {
    broken = true;
    connection->cancel();  // wakes the reader and writer, which then stop
    std::deque<Command> failed;
    failed.swap(commands);
    for (Command& c : failed) {
      if (c.pending && !c.pending->outcome) settle(*c.pending, error);
    }
  }

  static void settle(Pending& p, Result<Rows> outcome) {
    p.outcome = std::move(outcome);
    p.owner.reset();
    p.timer.cancel();
  }

  void forget(Pending* p) {
    for (Command& c : commands) {
      if (c.pending == p) c.pending = nullptr;
    }
  }

  // Queues PREPARE (first use on this connection) and the statement itself;
  // false when libpq refused (the pipeline is then failed, `p` included).
  bool send(const Statement& statement, const std::vector<const char*>& values, Pending& p) {
    PGconn* conn = link().conn;
    p.owner = weak_from_this();
    std::string name(statement.name);
    if (!link().prepared_names.contains(name)) {
      const std::string sql(statement.sql);
      if (PQsendPrepare(conn, name.c_str(), sql.c_str(), 0, nullptr) != 1) {
        fail_all(link().lost());
        return false;
      }
      link().prepared_names.insert(name);
      commands.emplace_back(Step::prepare, &p, name);
    }
    if (PQsendQueryPrepared(conn, name.c_str(), static_cast<int>(values.size()), values.data(),
                            nullptr, nullptr, static_cast<int>(statement.results)) != 1) {
      fail_all(link().lost());
      return false;
    }
    commands.emplace_back(Step::query, &p);
    schedule_sync();
    if (!reading) {
      reading = true;
      asio::co_spawn(link().io, read_loop(shared_from_this()), asio::detached);
    }
    return true;
  }

  // One Sync after everything submitted in this turn of the event loop.
  void schedule_sync() {
    if (sync_scheduled) return;
    sync_scheduled = true;
    asio::post(link().io, [weak = weak_from_this()] {
      if (auto self = weak.lock()) self->sync();
    });
  }

  void sync() {
    sync_scheduled = false;
    if (broken) return;
    // libpq 15 flushes here; whatever the socket did not take is left to
    // the writer.
    if (PQpipelineSync(link().conn) != 1) return fail_all(link().lost());
    commands.emplace_back(Step::sync, nullptr);
    ++syncs;
    const int flushed = PQflush(link().conn);
    if (flushed < 0) return fail_all(link().lost());
    if (flushed == 1 && !writing) {
      writing = true;
      asio::co_spawn(link().io, write_loop(shared_from_this()), asio::detached);
    }
  }

  static asio::awaitable<void> write_loop(std::shared_ptr<State> self) {
    while (!self->broken) {
      if (!co_await self->link().wait(Want::write)) {
        if (!self->broken) self->fail_all(self->link().lost("socket not writable"));
        break;
      }
      const int flushed = PQflush(self->link().conn);
      if (flushed < 0) self->fail_all(self->link().lost());
      if (flushed != 1) break;
    }
    self->writing = false;
  }

  static asio::awaitable<void> read_loop(std::shared_ptr<State> self) {
    Connection::Impl& link = self->link();
    while (!self->broken && !self->commands.empty()) {
      if (PQisBusy(link.conn)) {
        if (!co_await link.wait(Want::read)) {
          if (!self->broken) self->fail_all(link.lost("socket wait failed"));
          break;
        }
        if (!PQconsumeInput(link.conn)) self->fail_all(link.lost());
        continue;
      }
      self->on_result(PQgetResult(link.conn));
    }
    self->reading = false;
  }

  // Routes one PQgetResult() outcome to the step at the front.
  void on_result(PGresult* r) {
    if (commands.empty()) {
      if (r) PQclear(r);
      return;
    }
    Command& front = commands.front();
    if (!r) {
      // The end of one statement's results (a Sync has no NULL after it).
      if (front.step == Step::sync || !front.answered) {
        return fail_all(link().lost("pipeline out of step: unexpected end of results"));
      }
      Command done = std::move(front);
      commands.pop_front();
      deliver(done);
      return;
    }
    const ExecStatusType status = PQresultStatus(r);
    if ((status == PGRES_PIPELINE_SYNC) != (front.step == Step::sync)) {
      PQclear(r);
      return fail_all(link().lost("pipeline out of step: unexpected result"));
    }
    front.answered = true;
    switch (status) {
      case PGRES_PIPELINE_SYNC:
        PQclear(r);
        commands.pop_front();
        return;
      case PGRES_TUPLES_OK:
      case PGRES_COMMAND_OK:
        if (front.step == Step::query) {
          front.rows.emplace(r);
        } else {
          PQclear(r);
        }
        return;
      case PGRES_PIPELINE_ABORTED:
        PQclear(r);
        front.error =
            Error(errc::db::pipeline_aborted, "skipped: an earlier statement in the same batch failed");
        return;
      case PGRES_FATAL_ERROR: {
        Error e = link().result_error(r);
        PQclear(r);
        if (link().is_broken) return fail_all(e);
        front.error = std::move(e);
        return;
      }
      default:
        PQclear(r);
        return fail_all(link().lost("unexpected result status in pipeline mode"));
    }
  }

  void deliver(Command& done) {
    Pending* p = done.pending;
    if (done.step == Step::prepare) {
      if (done.error) {
        link().prepared_names.erase(done.statement_name);
        if (p) p->prepare_error = done.error;
      }
      return;
    }
    if (!p) return;
    if (!done.error) return settle(*p, done.rows ? std::move(*done.rows) : Rows());
    if (p->prepare_error && done.error->is(errc::db::pipeline_aborted)) {
      return settle(*p, *p->prepare_error);
    }
    settle(*p, *done.error);
  }
};

namespace {
Pending::~Pending() {
  if (auto state = owner.lock()) state->forget(this);
}
}  // namespace

Pipeline::Pipeline(std::shared_ptr<State> state) : state_(std::move(state)) {}

Pipeline::~Pipeline() { close(); }

void Pipeline::close() {
  if (!state_->broken) state_->fail_all(Error(errc::db::unavailable, "pipeline closed"));
}

Result<std::shared_ptr<Pipeline>> Pipeline::start(std::unique_ptr<Connection> connection) {
  Connection::Impl& link = *connection->impl_;
  if (link.is_broken || PQstatus(link.conn) != CONNECTION_OK) {
    return Error(errc::db::unavailable, "connection is broken");
  }
  if (PQenterPipelineMode(link.conn) != 1) return link.lost();
  auto state = std::make_shared<State>(std::move(connection));
  return std::shared_ptr<Pipeline>(new Pipeline(std::move(state)));
}

asio::awaitable<Result<Rows>> Pipeline::prepared(const Statement& statement, const Params& params,
                                                 std::chrono::milliseconds timeout) {
  std::shared_ptr<State> s = state_;  // `this` may go while we wait
  if (s->broken) co_return Error(errc::db::unavailable, "pipeline is broken");
  auto values = detail::parameter_values(params);
  if (!values) co_return values.error();
  Pending pending(s->link().io);
  if (!s->send(statement, *values, pending)) {
    if (pending.outcome) co_return std::move(*pending.outcome);
    co_return Error(errc::db::unavailable, "libpq refused the statement");
  }
  // The outcome may already be here: co_spawn runs the reader inline up to
  // its first suspension, and a connection that died while idle fails at
  // once.
  pending.timer.expires_after(timeout);
  while (!pending.outcome) {
    auto [ec] = co_await pending.timer.async_wait(asio::as_tuple(asio::use_awaitable));
    if (pending.outcome) break;
    if (ec != asio::error::operation_aborted) {
      // Everything queued behind this statement is stuck as well.
      s->fail_all(Error(errc::db::unavailable, "pipeline reset: an earlier statement timed out"));
      co_return Error(errc::db::timeout, "statement exceeded its deadline");
    }
  }
  co_return std::move(*pending.outcome);
}

bool Pipeline::broken() const { return state_->broken; }
std::size_t Pipeline::in_flight() const {
  std::size_t n = 0;
  for (const Command& c : state_->commands) n += c.step == Step::query ? 1 : 0;
  return n;
}
std::uint64_t Pipeline::syncs_sent() const { return state_->syncs; }

}  // namespace parley::db
