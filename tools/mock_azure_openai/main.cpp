// mock-azure-openai: speaks the Azure OpenAI chat completions REST API and its
// SSE stream for development and tests, with injectable faults. Plain HTTP,
// one thread, Boost.Beast coroutines (1,000+ concurrent streams). Loopback
// only. CLI and control endpoint: docs/MOCKS.md, section "mock-azure-openai".

#include <signal.h>
#include <sys/resource.h>

#include <boost/asio.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "behaviour.hpp"
#include "jwt.hpp"

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
using asio::ip::tcp;
using namespace asio::experimental::awaitable_operators;
using mock_aoai::Behaviour;
using Request = http::request<http::string_body>;
using Clock = std::chrono::steady_clock;

constexpr const char* kUsage =
    "usage: mock-azure-openai [--port N] [--host 127.0.0.1] [--api-key KEY]\n"
    "                         [--jwks-url http://127.0.0.1:P/<tenant>/discovery/v2.0/keys]\n"
    "                         [--audience https://cognitiveservices.azure.com]\n"
    "                         [--deployments a,b] [--port-file PATH]\n";

struct Options {
  std::string host = "127.0.0.1";
  unsigned short port = 0;
  std::string api_key;
  std::string jwks_url;
  std::string audience = "https://cognitiveservices.azure.com";
  std::set<std::string> deployments;  // empty: any name
  std::string port_file;
};

struct Stats {
  std::int64_t requests = 0;
  std::int64_t open_streams = 0;
  std::int64_t completed_streams = 0;
  std::int64_t cancelled_streams = 0;
  std::int64_t cut_streams = 0;
  std::int64_t unauthorized = 0;  // 401 answers (refused credentials and the "401" fault)
  std::int64_t held = 0;          // chat requests waiting for the `hold` knob to clear (gauge)
  json::value last_request = nullptr;
};

// All state lives on the one io_context thread: no locking.
struct State {
  explicit State(asio::io_context& io) : hold_gate(io, Clock::time_point::max()) {}
  Options opt;
  Behaviour behaviour;
  Stats stats;
  mock_aoai::Jwks jwks;
  Clock::time_point last_jwks_fetch{};
  bool jwks_fetched = false;
  std::uint64_t seq = 0;
  // Bearer tokens accepted so far, and those POST /_mock/revoke-tokens revoked.
  std::set<std::string> accepted_tokens;
  std::set<std::string> revoked_tokens;
  // Requests held by the `hold` knob wait on it; cancelled when hold clears.
  asio::steady_timer hold_gate;
};

void release_held(State& st) {
  if (!st.behaviour.hold) st.hold_gate.cancel();
}

std::string header_safe(std::string v) {
  std::erase_if(v, [](char c) { return c == '\r' || c == '\n' || c == '\0'; });
  return v;
}

json::object stats_json(const Stats& s) {
  json::object o;
  o["requests"] = s.requests;
  o["open_streams"] = s.open_streams;
  o["completed_streams"] = s.completed_streams;
  o["cancelled_streams"] = s.cancelled_streams;
  o["cut_streams"] = s.cut_streams;
  o["unauthorized"] = s.unauthorized;
  o["held"] = s.held;
  o["last_request"] = s.last_request;
  return o;
}

json::value request_record(const Request& req) {
  json::object headers;
  for (const auto& f : req) {
    std::string name(f.name_string());
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string value(f.value());
    if (name == "authorization") {
      value = value.substr(0, value.find(' '));  // the scheme only
    } else if (name == "api-key") {
      value = "[redacted]";
    }
    headers[name] = value;
  }
  json::object o;
  o["method"] = std::string(req.method_string());
  o["target"] = std::string(req.target());
  o["headers"] = std::move(headers);
  boost::system::error_code ec;
  auto body = json::parse(req.body(), ec);
  o["body"] = ec ? json::value(req.body()) : std::move(body);
  return o;
}

using Headers = std::vector<std::pair<std::string, std::string>>;

asio::awaitable<bool> reply(beast::tcp_stream& stream, const Request& req, http::status status,
                            std::string body, Headers headers,
                            std::string content_type = "application/json") {
  http::response<http::string_body> res{status, req.version()};
  res.set(http::field::content_type, content_type);
  res.set("apim-request-id", "00000000-0000-0000-0000-000000000000");
  for (auto& [n, v] : headers) res.set(n, header_safe(v));
  res.keep_alive(req.keep_alive());
  res.body() = std::move(body);
  res.prepare_payload();
  auto [ec, n] = co_await http::async_write(stream, res, asio::as_tuple(asio::use_awaitable));
  co_return !ec && res.keep_alive();
}

asio::awaitable<void> sleep_ms(int ms) {
  if (ms <= 0) co_return;
  asio::steady_timer t(co_await asio::this_coro::executor, std::chrono::milliseconds(ms));
  co_await t.async_wait(asio::use_awaitable);  // throws operation_aborted when cancelled
}

// --- JWKS over plain HTTP on loopback ------------------------------------------------

asio::awaitable<std::optional<std::string>> http_get(std::string url) {
  constexpr std::string_view kScheme = "http://";
  if (url.rfind(kScheme, 0) != 0) co_return std::nullopt;
  const auto rest = url.substr(kScheme.size());
  const auto slash = rest.find('/');
  const auto authority = rest.substr(0, slash);
  const std::string target = slash == std::string::npos ? "/" : rest.substr(slash);
  const auto colon = authority.rfind(':');
  const std::string host = authority.substr(0, colon);
  const std::string port = colon == std::string::npos ? "80" : authority.substr(colon + 1);
  auto ex = co_await asio::this_coro::executor;
  tcp::resolver resolver(ex);
  auto [rec, results] =
      co_await resolver.async_resolve(host, port, asio::as_tuple(asio::use_awaitable));
  if (rec) co_return std::nullopt;
  beast::tcp_stream stream(ex);
  stream.expires_after(std::chrono::seconds(5));
  auto [cec, ep] = co_await stream.async_connect(results, asio::as_tuple(asio::use_awaitable));
  if (cec) co_return std::nullopt;
  http::request<http::empty_body> req{http::verb::get, target, 11};
  req.set(http::field::host, authority);
  req.set(http::field::connection, "close");
  auto [wec, wn] = co_await http::async_write(stream, req, asio::as_tuple(asio::use_awaitable));
  if (wec) co_return std::nullopt;
  beast::flat_buffer buf;
  http::response_parser<http::string_body> parser;
  parser.body_limit(1 << 20);
  auto [ec, n] =
      co_await http::async_read(stream, buf, parser, asio::as_tuple(asio::use_awaitable));
  if (ec || parser.get().result() != http::status::ok) co_return std::nullopt;
  co_return parser.get().body();
}

// Empty string: authorised; else the reason (logged, never sent).
asio::awaitable<std::string> check_auth(const Request& req, std::shared_ptr<State> st) {
  const auto key_it = req.find("api-key");
  if (key_it != req.end()) {
    if (st->opt.api_key.empty() && st->opt.jwks_url.empty()) co_return "";
    if (!st->opt.api_key.empty() && key_it->value() == st->opt.api_key) co_return "";
    co_return "wrong api-key";
  }
  const auto auth_it = req.find(http::field::authorization);
  if (auth_it == req.end()) co_return "no credential";
  const std::string_view auth = auth_it->value();
  if (auth.size() < 8 || beast::iequals(auth.substr(0, 7), "Bearer ") == false) {
    co_return "not a bearer token";
  }
  const std::string token(auth.substr(7));
  if (st->opt.jwks_url.empty()) {
    co_return st->opt.api_key.empty() ? "" : "bearer tokens not configured (no --jwks-url)";
  }
  const auto kid = mock_aoai::jwt_kid(token);
  if (!kid) co_return "undecodable token";
  // Unknown kid: at most one JWKS refresh per 5 seconds.
  if (st->jwks.find(*kid) == nullptr &&
      (!st->jwks_fetched || Clock::now() - st->last_jwks_fetch > std::chrono::seconds(5))) {
    st->jwks_fetched = true;
    st->last_jwks_fetch = Clock::now();
    if (auto body = co_await http_get(st->opt.jwks_url)) {
      if (!st->jwks.load(*body)) std::cerr << "mock-azure-openai: JWKS had no RSA keys\n";
    } else {
      std::cerr << "mock-azure-openai: JWKS fetch failed: " << st->opt.jwks_url << "\n";
    }
  }
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  auto why = mock_aoai::verify_jwt(token, st->jwks, st->opt.audience, now);
  if (!why.empty()) co_return why;
  if (st->revoked_tokens.contains(token)) co_return "revoked token";
  st->accepted_tokens.insert(token);
  co_return "";
}

// --- streaming ------------------------------------------------------------------

enum class StreamEnd { completed, cut, failed };

asio::awaitable<bool> send_event(beast::tcp_stream& stream, const std::string& data) {
  const std::string frame = "data: " + data + "\n\n";
  auto [ec, n] = co_await asio::async_write(stream, http::make_chunk(asio::buffer(frame)),
                                            asio::as_tuple(asio::use_awaitable));
  co_return !ec;
}

struct StreamPlan {
  Behaviour b;
  std::string fault;
  std::vector<std::string> pieces;
  mock_aoai::StreamIds ids;
  bool include_usage = false;
  std::int64_t prompt_tokens = 0;
  std::int64_t completion_tokens = 0;
  unsigned version = 11;
  bool keep_alive = true;
};

asio::awaitable<StreamEnd> write_stream(beast::tcp_stream& stream, const StreamPlan& p) {
  co_await sleep_ms(p.b.headers_delay_ms);
  http::response<http::empty_body> res{http::status::ok, p.version};
  res.set(http::field::content_type, "text/event-stream; charset=utf-8");
  res.set(http::field::cache_control, "no-cache, must-revalidate");
  res.set("apim-request-id", "00000000-0000-0000-0000-000000000000");
  res.set("x-ratelimit-remaining-requests", "999");
  res.set("x-ratelimit-remaining-tokens", "999000");
  res.keep_alive(p.keep_alive);
  res.chunked(true);
  http::response_serializer<http::empty_body> sr{res};
  auto [hec, hn] =
      co_await http::async_write_header(stream, sr, asio::as_tuple(asio::use_awaitable));
  if (hec) co_return StreamEnd::failed;

  if (!co_await send_event(stream, mock_aoai::preamble_chunk())) co_return StreamEnd::failed;
  if (p.fault == "stall") {
    asio::steady_timer forever(co_await asio::this_coro::executor, Clock::time_point::max());
    co_await forever.async_wait(asio::use_awaitable);  // ends when the client goes away
    co_return StreamEnd::failed;
  }
  if (!co_await send_event(stream, mock_aoai::role_chunk(p.ids))) co_return StreamEnd::failed;

  std::size_t count = p.pieces.size();
  if (p.fault == "content_filter_midstream") count = std::min<std::size_t>(count, 4);
  std::int64_t offset = 0;
  const mock_aoai::ContentChunkTemplate content(p.ids);
  for (std::size_t i = 0; i < count; ++i) {
    if (p.fault == "cut" && static_cast<int>(i) >= p.b.cut_after) co_return StreamEnd::cut;
    co_await sleep_ms(i == 0 ? p.b.first_token_delay_ms : p.b.chunk_delay_ms);
    if (!co_await send_event(stream, content.render(p.pieces[i]))) {
      co_return StreamEnd::failed;
    }
    offset += static_cast<std::int64_t>(p.pieces[i].size());
    if (p.fault == "bad_json" && i == 0) {
      if (!co_await send_event(stream, R"({"choices":[{"index":0,"delta":{"content":"oops")")) {
        co_return StreamEnd::failed;
      }
    }
  }
  if (p.fault == "cut") co_return StreamEnd::cut;
  co_await sleep_ms(p.b.chunk_delay_ms);
  if (p.fault == "content_filter_midstream") {
    if (!co_await send_event(stream, mock_aoai::filter_annotation_chunk(offset)) ||
        !co_await send_event(stream, mock_aoai::filter_blocked_chunk(offset))) {
      co_return StreamEnd::failed;
    }
  } else if (!co_await send_event(stream, mock_aoai::finish_chunk(p.ids, "stop"))) {
    co_return StreamEnd::failed;
  }
  if (p.include_usage &&
      !co_await send_event(stream,
                           mock_aoai::usage_chunk(p.ids, p.prompt_tokens, p.completion_tokens))) {
    co_return StreamEnd::failed;
  }
  if (!co_await send_event(stream, "[DONE]")) co_return StreamEnd::failed;
  auto [ec, n] = co_await asio::async_write(stream, http::make_chunk_last(),
                                            asio::as_tuple(asio::use_awaitable));
  co_return ec ? StreamEnd::failed : StreamEnd::completed;
}

// Completes when the client closes (EOF/reset) while a response streams. If the
// client sends more bytes (a pipelined request) they are kept in `buffer` and
// watching stops.
asio::awaitable<void> watch_disconnect(beast::tcp_stream& stream, beast::flat_buffer& buffer) {
  auto [ec, n] = co_await stream.socket().async_read_some(buffer.prepare(4096),
                                                          asio::as_tuple(asio::use_awaitable));
  if (ec) co_return;
  buffer.commit(n);
  asio::steady_timer park(co_await asio::this_coro::executor, Clock::time_point::max());
  co_await park.async_wait(asio::as_tuple(asio::use_awaitable));
}

asio::awaitable<StreamEnd> guarded_stream(beast::tcp_stream& stream, const StreamPlan& plan) {
  try {
    co_return co_await write_stream(stream, plan);
  } catch (const boost::system::system_error&) {
    co_return StreamEnd::failed;  // a timer cancelled by the disconnect watcher
  }
}

asio::awaitable<bool> handle_chat(beast::tcp_stream& stream, beast::flat_buffer& buffer,
                                  const Request& req, std::shared_ptr<State> st,
                                  std::string deployment, std::string query) {
  ++st->stats.requests;
  st->stats.last_request = request_record(req);
  if (st->behaviour.hold) {
    ++st->stats.held;
    while (st->behaviour.hold) {
      (void)co_await st->hold_gate.async_wait(asio::as_tuple(asio::use_awaitable));
    }
    --st->stats.held;
  }
  const Headers none;
  if (query.find("api-version=") == std::string::npos ||
      query.find("api-version=&") != std::string::npos ||
      query.size() == query.find("api-version=") + 12) {
    co_return co_await reply(stream, req, http::status::bad_request,
                             mock_aoai::body_missing_api_version(), none);
  }
  if (auto why = co_await check_auth(req, st); !why.empty()) {
    std::cerr << "mock-azure-openai: 401: " << why << "\n";
    ++st->stats.unauthorized;
    co_return co_await reply(stream, req, http::status::unauthorized, mock_aoai::body_401(), none);
  }
  if (!st->opt.deployments.empty() && !st->opt.deployments.contains(deployment)) {
    co_return co_await reply(stream, req, http::status::not_found, mock_aoai::body_404_deployment(),
                             none);
  }
  boost::system::error_code jec;
  const auto body = json::parse(req.body(), jec);
  const json::value* messages = nullptr;
  if (!jec && body.is_object()) messages = body.get_object().if_contains("messages");
  if (messages == nullptr || !messages->is_array() || messages->get_array().empty()) {
    co_return co_await reply(stream, req, http::status::bad_request,
                             mock_aoai::body_bad_request("'messages' is a required property"),
                             none);
  }

  // The behaviour for this request; a fault with `times` is used up here.
  Behaviour b = st->behaviour;
  std::string fault = b.fault;
  if (!fault.empty() && st->behaviour.times > 0 && --st->behaviour.times == 0) {
    st->behaviour.fault.clear();
    st->behaviour.times = -1;
  }
  Headers retry;
  if (b.retry_after_ms) retry.emplace_back("retry-after-ms", *b.retry_after_ms);
  if (b.retry_after) retry.emplace_back("retry-after", *b.retry_after);
  if (fault == "401") {
    ++st->stats.unauthorized;
    co_return co_await reply(stream, req, http::status::unauthorized, mock_aoai::body_401(), none);
  }
  if (fault == "429") {
    co_await sleep_ms(b.headers_delay_ms);
    co_return co_await reply(stream, req, http::status::too_many_requests, mock_aoai::body_429(),
                             retry);
  }
  if (fault == "500" || fault == "503") {
    co_await sleep_ms(b.headers_delay_ms);
    const auto status =
        fault == "500" ? http::status::internal_server_error : http::status::service_unavailable;
    co_return co_await reply(stream, req, status, mock_aoai::body_500(), retry);
  }
  if (fault == "content_filter_prompt") {
    co_return co_await reply(stream, req, http::status::bad_request,
                             mock_aoai::body_content_filter_400(), none);
  }

  const auto& bo = body.get_object();
  const bool streaming =
      bo.if_contains("stream") && bo.at("stream").is_bool() && bo.at("stream").get_bool();
  bool include_usage = false;
  if (const auto* so = bo.if_contains("stream_options"); so && so->is_object()) {
    if (const auto* iu = so->get_object().if_contains("include_usage"); iu && iu->is_bool()) {
      include_usage = iu->get_bool();
    }
  }
  const std::string text = mock_aoai::answer_text(b, body);
  mock_aoai::StreamIds ids;
  ids.id = "chatcmpl-mock" + std::to_string(++st->seq);
  ids.created = std::chrono::duration_cast<std::chrono::seconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
  ids.model = b.model;
  const auto prompt = mock_aoai::prompt_tokens(body);
  const auto completion = mock_aoai::count_words(text);

  if (!streaming) {
    co_await sleep_ms(b.headers_delay_ms);
    co_return co_await reply(stream, req, http::status::ok,
                             mock_aoai::completion_body(ids, text, prompt, completion), none);
  }

  StreamPlan plan;
  plan.b = b;
  plan.fault = fault;
  plan.pieces = mock_aoai::split_pieces(text, b.chunks);
  plan.ids = ids;
  plan.include_usage = include_usage;
  plan.prompt_tokens = prompt;
  plan.completion_tokens = completion;
  plan.version = req.version();
  plan.keep_alive = req.keep_alive();

  ++st->stats.open_streams;
  auto outcome = co_await (guarded_stream(stream, plan) || watch_disconnect(stream, buffer));
  --st->stats.open_streams;
  if (outcome.index() == 1) {
    ++st->stats.cancelled_streams;
    co_return false;
  }
  switch (std::get<0>(outcome)) {
    case StreamEnd::completed:
      ++st->stats.completed_streams;
      co_return plan.keep_alive;
    case StreamEnd::cut:
      ++st->stats.cut_streams;
      co_return false;
    case StreamEnd::failed:
      ++st->stats.cancelled_streams;
      co_return false;
  }
  co_return false;
}

asio::awaitable<bool> handle(beast::tcp_stream& stream, beast::flat_buffer& buffer,
                             const Request& req, std::shared_ptr<State> st) {
  const std::string target(req.target());
  const auto q = target.find('?');
  const std::string path = target.substr(0, q);
  const std::string query = q == std::string::npos ? "" : target.substr(q + 1);
  const Headers none;
  const bool post = req.method() == http::verb::post;
  const bool get = req.method() == http::verb::get;

  constexpr std::string_view kPrefix = "/openai/deployments/";
  constexpr std::string_view kSuffix = "/chat/completions";
  if (path.rfind(kPrefix, 0) == 0 && path.size() > kPrefix.size() + kSuffix.size() &&
      path.compare(path.size() - kSuffix.size(), kSuffix.size(), kSuffix) == 0) {
    std::string deployment =
        path.substr(kPrefix.size(), path.size() - kPrefix.size() - kSuffix.size());
    if (deployment.find('/') == std::string::npos) {
      if (!post) {
        co_return co_await reply(stream, req, http::status::method_not_allowed,
                                 mock_aoai::body_bad_request("Method not allowed"), none);
      }
      co_return co_await handle_chat(stream, buffer, req, st, std::move(deployment), query);
    }
  }
  if (path == "/healthz" && get) {
    co_return co_await reply(stream, req, http::status::ok, "ok\n", none, "text/plain");
  }
  if (path == "/_mock/behaviour" && (post || get)) {
    if (post) {
      boost::system::error_code ec;
      auto patch = json::parse(req.body().empty() ? std::string("{}") : req.body(), ec);
      if (ec || !patch.is_object()) {
        co_return co_await reply(stream, req, http::status::bad_request,
                                 mock_aoai::body_bad_request("body must be a JSON object"), none);
      }
      if (auto err = mock_aoai::merge(st->behaviour, patch.get_object())) {
        co_return co_await reply(stream, req, http::status::bad_request,
                                 mock_aoai::body_bad_request(*err), none);
      }
      release_held(*st);
    }
    co_return co_await reply(stream, req, http::status::ok,
                             json::serialize(mock_aoai::to_json(st->behaviour)), none);
  }
  if (path == "/_mock/reset" && post) {
    st->behaviour = Behaviour{};
    release_held(*st);
    co_return co_await reply(stream, req, http::status::ok,
                             json::serialize(mock_aoai::to_json(st->behaviour)), none);
  }
  if (path == "/_mock/revoke-tokens" && post) {
    json::object answer;
    answer["revoked"] = static_cast<std::int64_t>(st->accepted_tokens.size());
    st->revoked_tokens.merge(st->accepted_tokens);
    st->accepted_tokens.clear();
    co_return co_await reply(stream, req, http::status::ok, json::serialize(answer), none);
  }
  if (path == "/_mock/stats" && get) {
    co_return co_await reply(stream, req, http::status::ok, json::serialize(stats_json(st->stats)),
                             none);
  }
  if (path == "/_mock/stats/reset" && post) {
    const auto open = st->stats.open_streams;
    const auto held = st->stats.held;
    st->stats = Stats{};
    st->stats.open_streams = open;  // gauges, not counters
    st->stats.held = held;
    co_return co_await reply(stream, req, http::status::ok, json::serialize(stats_json(st->stats)),
                             none);
  }
  co_return co_await reply(stream, req, http::status::not_found,
                           R"({"error":{"code":"404","message":"Resource not found"}})", none);
}

asio::awaitable<void> session(tcp::socket socket, std::shared_ptr<State> st) {
  beast::tcp_stream stream(std::move(socket));
  beast::flat_buffer buffer;
  try {
    for (;;) {
      http::request_parser<http::string_body> parser;
      parser.header_limit(64 * 1024);
      parser.body_limit(8 * 1024 * 1024);
      stream.expires_after(std::chrono::seconds(120));
      auto [ec, n] =
          co_await http::async_read(stream, buffer, parser, asio::as_tuple(asio::use_awaitable));
      if (ec) break;
      stream.expires_never();
      const Request req = parser.release();
      if (!co_await handle(stream, buffer, req, st)) break;
    }
  } catch (const std::exception& e) {
    std::cerr << "mock-azure-openai: connection error: " << e.what() << "\n";
  }
  beast::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
  stream.socket().close(ignored);
}

asio::awaitable<void> listen(tcp::acceptor acceptor, std::shared_ptr<State> st) {
  auto ex = co_await asio::this_coro::executor;
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(asio::as_tuple(asio::use_awaitable));
    if (ec == asio::error::operation_aborted) co_return;
    if (ec) {
      // EMFILE and friends: back off briefly instead of spinning.
      asio::steady_timer t(ex, std::chrono::milliseconds(50));
      co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
      continue;
    }
    socket.set_option(tcp::no_delay(true));
    asio::co_spawn(ex, session(std::move(socket), st), asio::detached);
  }
}

bool parse_args(int argc, char** argv, Options& o) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::cout << kUsage;
      std::exit(0);
    }
    if (i + 1 >= argc) return false;
    const std::string v = argv[++i];
    if (arg == "--port") {
      const long p = std::strtol(v.c_str(), nullptr, 10);
      if (p < 0 || p > 65535) return false;
      o.port = static_cast<unsigned short>(p);
    } else if (arg == "--host") {
      o.host = v;
    } else if (arg == "--api-key") {
      o.api_key = v;
    } else if (arg == "--jwks-url") {
      o.jwks_url = v;
    } else if (arg == "--audience") {
      o.audience = v;
    } else if (arg == "--port-file") {
      o.port_file = v;
    } else if (arg == "--deployments") {
      std::size_t start = 0;
      while (start <= v.size()) {
        const auto comma = v.find(',', start);
        const auto name =
            v.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        if (!name.empty()) o.deployments.insert(name);
        if (comma == std::string::npos) break;
        start = comma + 1;
      }
    } else {
      return false;
    }
  }
  return true;
}

void raise_fd_limit() {
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
}

}  // namespace

int main(int argc, char** argv) {
  asio::io_context io(1);
  auto st = std::make_shared<State>(io);
  if (!parse_args(argc, argv, st->opt)) {
    std::cerr << kUsage;
    return 2;
  }
  signal(SIGPIPE, SIG_IGN);
  raise_fd_limit();
  try {
    tcp::endpoint ep(asio::ip::make_address(st->opt.host), st->opt.port);
    tcp::acceptor acceptor(io);
    acceptor.open(ep.protocol());
    acceptor.set_option(tcp::acceptor::reuse_address(true));
    acceptor.bind(ep);
    acceptor.listen(asio::socket_base::max_listen_connections);
    const auto port = acceptor.local_endpoint().port();
    if (!st->opt.port_file.empty()) {
      const std::string tmp = st->opt.port_file + ".tmp";
      std::ofstream(tmp) << port << "\n";
      std::rename(tmp.c_str(), st->opt.port_file.c_str());
    }
    std::cout << "mock-azure-openai listening on http://" << st->opt.host << ":" << port
              << std::endl;
    asio::signal_set signals(io, SIGINT, SIGTERM);
    signals.async_wait([&io](const boost::system::error_code&, int) { io.stop(); });
    asio::co_spawn(io, listen(std::move(acceptor), st), asio::detached);
    io.run();
  } catch (const std::exception& e) {
    std::cerr << "mock-azure-openai: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
