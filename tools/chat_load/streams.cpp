#include "streams.hpp"

#include <boost/asio/this_coro.hpp>
#include <boost/json.hpp>
#include <functional>
#include <optional>

#include "sse.hpp"

namespace chat_load {

namespace json = boost::json;

double ms_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

namespace {

json::value parse_json(std::string_view text) {
  boost::system::error_code ec;
  auto v = json::parse(text, ec);
  if (ec) return nullptr;
  return v;
}

// o[key] as a string, "" when absent or not a string.
std::string string_field(const json::value& v, std::string_view key) {
  if (!v.is_object()) return {};
  const auto* f = v.get_object().if_contains(key);
  return f && f->is_string() ? std::string(f->get_string()) : std::string();
}

// "HTTP 403 csrf" from a JSON error answer {"error":{"code"}}.
std::string http_error(unsigned status, std::string_view body) {
  std::string out = "HTTP " + std::to_string(status);
  const auto v = parse_json(body);
  if (v.is_object()) {
    if (const auto* e = v.get_object().if_contains("error")) {
      const std::string code = string_field(*e, "code");
      if (!code.empty()) out += " " + code;
    }
  }
  return out;
}

// The reason an exception stands for, without source locations, so that
// equal failures are counted together.
std::string describe(const std::exception& e) {
  if (const auto* se = dynamic_cast<const boost::system::system_error*>(&e)) {
    return se->code().message();
  }
  return e.what();
}

Headers parley_headers(const Run& run, std::size_t i) {
  const User& u = run.users[i % run.users.size()];
  return {{"Cookie", "parley.session=" + u.cookie},
          {"Origin", run.origin.text},
          {"X-CSRF-Token", u.csrf},
          {"Content-Type", "application/json"}};
}

asio::awaitable<std::string> read_rest(Connection& conn) {
  std::string body;
  while (auto piece = co_await conn.read_body()) body += *piece;
  co_return body;
}

}  // namespace

// Phase 1 (parley): one keep-alive connection per worker creates conversations.
asio::awaitable<void> create_worker(Run& run) {
  const auto ex = co_await asio::this_coro::executor;
  std::optional<Connection> conn;
  while (run.next < run.opt.streams) {
    const std::size_t i = run.next++;
    try {
      if (!conn) {
        conn.emplace(ex);
        conn->set_deadline(run.deadline());
        co_await conn->connect(run.origin);
      }
      conn->set_deadline(run.deadline());
      auto res = co_await conn->round_trip(make_request(http::verb::post, "/api/conversations",
                                                        run.origin, parley_headers(run, i), "{}"));
      const std::string id = string_field(parse_json(res.body()), "id");
      if (res.result_int() != 201) {
        run.results[i].error = "create: " + http_error(res.result_int(), res.body());
      } else if (id.empty()) {
        run.results[i].error = "create: no id in the answer";
      } else {
        run.conversations[i] = id;
      }
      if (!res.keep_alive()) conn.reset();
    } catch (const std::exception& e) {
      run.results[i].error = "create: " + describe(e);
      conn.reset();
    }
  }
}

namespace {

struct ParleyEnd {
  std::string event;   // "done" | "error" | "" (not seen)
  std::string detail;  // done: status; error: code
};

void on_parley_event(const SseEvent& e, Clock::time_point t0, StreamResult& r, ParleyEnd& end) {
  if (e.name == "start") {
    if (r.start_ms < 0) r.start_ms = ms_since(t0);
  } else if (e.name == "delta") {
    if (r.first_ms < 0) r.first_ms = ms_since(t0);
  } else if (e.name == "done" || e.name == "error") {
    end.event = e.name;
    const auto v = parse_json(e.data);
    end.detail = string_field(v, e.name == "done" ? "status" : "code");
    if (!v.is_object()) end.detail = "unparsable data";
  }
}

std::string parley_verdict(const StreamResult& r, const ParleyEnd& end) {
  if (end.event.empty()) return "stream: ended without done or error";
  if (end.event == "error") return "error event: " + end.detail;
  if (end.detail != "complete") return "done status: " + end.detail;
  if (r.start_ms < 0) return "stream: no start event";
  if (r.first_ms < 0) return "stream: no delta";
  return {};
}

// Connects, sends `req` and hands every server-sent event of a 200 answer
// to `on_event` (with the time the request was written) until the body
// ends; fills r.sent_ms, r.total_ms and, on any failure, r.error (prefixed
// with the phase it happened in).
using OnEvent = std::function<void(const SseEvent&, Clock::time_point sent)>;
asio::awaitable<bool> stream_events(Run& run, StreamResult& r, http::request<http::string_body> req,
                                    const OnEvent& on_event) {
  Connection conn(co_await asio::this_coro::executor);
  conn.set_deadline(run.deadline());
  std::string phase = "connect";
  try {
    co_await conn.connect(run.origin);
    phase = "request";
    const auto t0 = Clock::now();
    r.sent_ms = std::chrono::duration<double, std::milli>(t0 - run.t0).count();
    co_await conn.send(std::move(req));
    const unsigned status = co_await conn.read_header();
    if (status != 200) {
      r.error = "request: " + http_error(status, co_await read_rest(conn));
      co_return false;
    }
    phase = "stream";
    SseParser sse;
    std::vector<SseEvent> events;
    while (auto piece = co_await conn.read_body()) {
      sse.feed(*piece, events);
      for (const auto& e : events) on_event(e, t0);
      events.clear();
    }
    r.total_ms = ms_since(t0);
    co_return true;
  } catch (const std::exception& e) {
    r.error = phase + ": " + describe(e);
    co_return false;
  }
}

// Phase 2 (parley): one answer on its own connection.
asio::awaitable<void> parley_stream(Run& run, std::size_t i) {
  StreamResult& r = run.results[i];
  if (!r.error.empty()) co_return;  // its conversation was not created
  const std::string body = json::serialize(json::object{
      {"content", "Benchmark message " + std::to_string(i) + ": please answer in a few words."}});
  auto req =
      make_request(http::verb::post, "/api/conversations/" + run.conversations[i] + "/messages",
                   run.origin, parley_headers(run, i), body);
  ParleyEnd end;
  const bool streamed = co_await stream_events(
      run, r, std::move(req),
      [&](const SseEvent& e, Clock::time_point t0) { on_parley_event(e, t0, r, end); });
  if (streamed) r.error = parley_verdict(r, end);
}

// direct: one streamed completion from the mock on its own connection.
asio::awaitable<void> direct_stream(Run& run, std::size_t i) {
  StreamResult& r = run.results[i];
  json::object body{
      {"messages", json::array{json::object{{"role", "user"},
                                            {"content", "Benchmark message " + std::to_string(i) +
                                                            ": please answer in a few words."}}}},
      {"stream", true},
      {"stream_options", json::object{{"include_usage", true}}}};
  auto req =
      make_request(http::verb::post,
                   "/openai/deployments/" + run.opt.deployment +
                       "/chat/completions?api-version=" + run.opt.api_version,
                   run.origin, {{"api-key", run.opt.api_key}, {"Content-Type", "application/json"}},
                   json::serialize(body));
  bool done = false;
  bool bad_chunk = false;
  const bool streamed =
      co_await stream_events(run, r, std::move(req), [&](const SseEvent& e, Clock::time_point t0) {
        if (e.data == "[DONE]") {
          done = true;
          return;
        }
        const auto v = parse_json(e.data);
        if (!v.is_object()) {
          bad_chunk = true;
          return;
        }
        const auto* choices = v.get_object().if_contains("choices");
        if (r.first_ms < 0 && choices && choices->is_array() && !choices->get_array().empty()) {
          const auto& choice = choices->get_array()[0];
          const auto* delta =
              choice.is_object() ? choice.get_object().if_contains("delta") : nullptr;
          if (delta && !string_field(*delta, "content").empty()) r.first_ms = ms_since(t0);
        }
      });
  if (!streamed) co_return;
  if (bad_chunk) {
    r.error = "stream: unparsable chunk";
  } else if (!done) {
    r.error = "stream: ended without [DONE]";
  } else if (r.first_ms < 0) {
    r.error = "stream: no content";
  }
}

}  // namespace

asio::awaitable<void> stream_worker(Run& run) {
  while (run.next < run.opt.streams) {
    const std::size_t i = run.next++;
    if (run.opt.mode == "parley") {
      co_await parley_stream(run, i);
    } else {
      co_await direct_stream(run, i);
    }
  }
}

}  // namespace chat_load
