// Connection::batch: the steps of one Batch in libpq pipeline mode, one
// Sync, results read in order (db/batch.hpp). The connection leaves
// pipeline mode before returning, so the next operation sees a plain
// connection again.

#include <libpq-fe.h>

#include <string>
#include <unordered_set>

#include "db/batch.hpp"
#include "db/connection.hpp"
#include "db/connection_impl.hpp"
#include "db/errors.hpp"

namespace parley::db {

namespace asio = boost::asio;
using detail::Want;

namespace {

// What the server answers, in order: a PREPARE sent before a step's first
// use on this connection, then the step itself.
struct Expected {
  bool prepare = false;
  std::size_t step = 0;
};

}  // namespace

asio::awaitable<Result<std::vector<Rows>>> Connection::batch(const Batch& batch,
                                                            std::chrono::milliseconds timeout) {
  Impl& d = *impl_;
  const auto& steps = batch.steps();
  d.before_send = true;
  // Every parameter is checked before anything is sent.
  std::vector<std::vector<const char*>> values;
  values.reserve(steps.size());
  for (const auto& step : steps) {
    auto v = detail::parameter_values(step.params);
    if (!v) co_return v.error();
    values.push_back(std::move(*v));
  }
  if (d.is_broken || PQstatus(d.conn) != CONNECTION_OK) co_return d.lost("connection is broken");
  if (batch.requires_transaction() && !batch.opens_transaction() && !in_transaction()) {
    co_return Error(errc::db::audit_outside_transaction,
                    "a batch with an audit append must run inside a transaction");
  }
  if (PQenterPipelineMode(d.conn) != 1) co_return d.lost();
  // From here on part of the batch may have reached the server.
  d.before_send = false;

  std::vector<Expected> expected;
  std::unordered_set<std::string> preparing;
  for (std::size_t i = 0; i < steps.size(); ++i) {
    const Statement& st = steps[i].statement;
    const std::string sql(st.sql);
    const int n = static_cast<int>(values[i].size());
    bool sent = false;
    if (st.name.empty()) {
      sent = PQsendQueryParams(d.conn, sql.c_str(), n, nullptr, values[i].data(), nullptr, nullptr,
                               static_cast<int>(st.results)) == 1;
    } else {
      const std::string name(st.name);
      if (!d.prepared_names.contains(name) && preparing.insert(name).second) {
        if (PQsendPrepare(d.conn, name.c_str(), sql.c_str(), 0, nullptr) != 1) co_return d.lost();
        expected.push_back({true, i});
      }
      sent = PQsendQueryPrepared(d.conn, name.c_str(), n, values[i].data(), nullptr, nullptr,
                                 static_cast<int>(st.results)) == 1;
    }
    if (!sent) co_return d.lost();
    expected.push_back({false, i});
  }
  if (PQpipelineSync(d.conn) != 1) co_return d.lost();

  d.arm(timeout);
  // Waits until a whole result is buffered; false when the connection
  // failed (the error is then in `failure`).
  std::optional<Error> failure;
  auto ready = [&]() -> asio::awaitable<bool> {
    while (PQisBusy(d.conn)) {
      if (!co_await d.wait(Want::read)) {
        failure = d.interrupted();
        co_return false;
      }
      if (!PQconsumeInput(d.conn)) {
        failure = d.lost();
        co_return false;
      }
    }
    co_return true;
  };
  for (;;) {
    const int f = PQflush(d.conn);
    if (f == 0) break;
    if (f < 0 || !co_await d.wait(Want::write)) {
      d.disarm();
      co_return f < 0 ? d.lost() : d.interrupted();
    }
  }

  std::vector<Rows> rows(steps.size());
  std::optional<Error> first_error;
  for (const Expected& e : expected) {
    bool answered = false;
    for (;;) {
      if (!co_await ready()) {
        d.disarm();
        co_return *failure;
      }
      PGresult* r = PQgetResult(d.conn);
      if (!r) break;  // the end of this step's results
      answered = true;
      switch (PQresultStatus(r)) {
        case PGRES_TUPLES_OK:
        case PGRES_COMMAND_OK:
          if (e.prepare) {
            d.prepared_names.insert(std::string(steps[e.step].statement.name));
            PQclear(r);
          } else {
            rows[e.step] = Rows(r);
          }
          break;
        case PGRES_PIPELINE_ABORTED:  // skipped after the first failure
          PQclear(r);
          break;
        case PGRES_FATAL_ERROR: {
          Error err = d.result_error(r);
          PQclear(r);
          if (d.is_broken) {
            d.disarm();
            co_return err;
          }
          if (!first_error) first_error = std::move(err);
          break;
        }
        default:
          PQclear(r);
          d.disarm();
          co_return d.lost("unexpected result status in a batch");
      }
    }
    if (!answered) {
      d.disarm();
      co_return d.lost("batch out of step: a step without a result");
    }
  }
  if (!co_await ready()) {
    d.disarm();
    co_return *failure;
  }
  PGresult* sync = PQgetResult(d.conn);
  const bool synced = sync != nullptr && PQresultStatus(sync) == PGRES_PIPELINE_SYNC;
  if (sync != nullptr) PQclear(sync);
  d.disarm();
  if (!synced) co_return d.lost("batch out of step: no Sync result");
  if (PQexitPipelineMode(d.conn) != 1) co_return d.lost();
  if (first_error) co_return *first_error;
  co_return rows;
}

}  // namespace parley::db
