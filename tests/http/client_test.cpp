// HttpClient against loopback fixtures. The fixtures speak raw bytes over
// Asio sockets (no Beast), so a parsing bug in the client cannot hide itself
// on both sides of a test. Everything runs on one io_context, as in the server.

#include "http/client.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/asio.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ssl.hpp>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/base64url.hpp"
#include "observability/log.hpp"
#include "support/test_pki.hpp"

namespace {

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = asio::ip::tcp;
using asio::awaitable;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;
using parley::http::ClientOptions;
using parley::http::ClientRequest;
using parley::http::ClientResponse;
using parley::http::ClientStream;
using parley::http::HttpClient;
using parley::http::Method;
using parley::http::StreamTimeouts;

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

// ---------------------------------------------------------------------------
// Fixture plumbing

// What fixtures observed; tests read it after (or while polling) the exchange.
struct Seen {
  std::vector<std::string> requests;  // head + body of every request read
  int connections = 0;
  int closed = 0;  // connections whose peer (the client) closed or reset
  bool first_before_second = false;
  int tls_failures = 0;
};

// One-shot signal between a test coroutine and a fixture coroutine.
class Event {
 public:
  explicit Event(asio::io_context& io) : timer_(io) {}
  void notify() {
    set_ = true;
    timer_.cancel();
  }
  awaitable<bool> wait(Clock::duration limit) {
    auto deadline = Clock::now() + limit;
    while (!set_ && Clock::now() < deadline) {
      timer_.expires_at(deadline);
      co_await timer_.async_wait(use_tuple);
    }
    co_return set_;
  }

 private:
  asio::steady_timer timer_;
  bool set_ = false;
};

// Reads one request (head, then a Content-Length body); leftover bytes stay
// in `buf`. nullopt when the peer closed first.
template <class Stream>
awaitable<std::optional<std::string>> read_request(Stream& s, std::string& buf) {
  std::size_t head_end;
  while ((head_end = buf.find("\r\n\r\n")) == std::string::npos) {
    char tmp[4096];
    auto [ec, n] = co_await s.async_read_some(asio::buffer(tmp), use_tuple);
    if (ec) co_return std::nullopt;
    buf.append(tmp, n);
  }
  std::size_t total = head_end + 4;
  std::string head = buf.substr(0, total);
  std::string lower = head;
  for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (auto pos = lower.find("content-length:"); pos != std::string::npos) {
    total += std::stoul(head.substr(pos + 15));
  }
  while (buf.size() < total) {
    char tmp[4096];
    auto [ec, n] = co_await s.async_read_some(asio::buffer(tmp), use_tuple);
    if (ec) co_return std::nullopt;
    buf.append(tmp, n);
  }
  std::string out = buf.substr(0, total);
  buf.erase(0, total);
  co_return out;
}

template <class Stream>
awaitable<bool> write_all(Stream& s, std::string data) {
  auto [ec, n] = co_await asio::async_write(s, asio::buffer(data), use_tuple);
  co_return !ec;
}

// Reads until the peer closes or resets; counts it.
template <class Stream>
awaitable<void> wait_closed(Stream& s, Seen* seen) {
  char tmp[1024];
  while (true) {
    auto [ec, n] = co_await s.async_read_some(asio::buffer(tmp), use_tuple);
    if (ec) break;
  }
  ++seen->closed;
}

class Server {
 public:
  using Handler = std::function<awaitable<void>(tcp::socket)>;
  Server(asio::io_context& io, Seen* seen, Handler handler)
      : acceptor_(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    asio::co_spawn(io, accept_loop(&acceptor_, seen, std::move(handler)), asio::detached);
  }
  unsigned short port() const { return acceptor_.local_endpoint().port(); }
  std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port()) + path;
  }

 private:
  static awaitable<void> accept_loop(tcp::acceptor* acceptor, Seen* seen, Handler handler) {
    while (true) {
      auto [ec, sock] = co_await acceptor->async_accept(use_tuple);
      if (ec) co_return;
      ++seen->connections;
      asio::co_spawn(acceptor->get_executor(), handler(std::move(sock)), asio::detached);
    }
  }
  tcp::acceptor acceptor_;
};

// Answers each request on a connection with the next of `responses`, then
// waits for the client to close.
awaitable<void> serve_script(tcp::socket s, Seen* seen, std::vector<std::string> responses,
                             bool close_after) {
  std::string buf;
  for (auto& response : responses) {
    auto req = co_await read_request(s, buf);
    if (!req) {
      ++seen->closed;
      co_return;
    }
    seen->requests.push_back(*req);
    if (!co_await write_all(s, response)) co_return;
  }
  if (close_after) {
    boost::system::error_code ec;
    s.shutdown(tcp::socket::shutdown_both, ec);
    s.close(ec);
    co_return;
  }
  co_await wait_closed(s, seen);
}

// Reads a request, writes `initial`, then never says anything again.
awaitable<void> serve_stall(tcp::socket s, Seen* seen, std::string initial) {
  std::string buf;
  auto req = co_await read_request(s, buf);
  if (!req) co_return;
  seen->requests.push_back(*req);
  if (!initial.empty() && !co_await write_all(s, initial)) co_return;
  co_await wait_closed(s, seen);
}

// Writes the first chunk, waits until the client says it has it, then the second.
awaitable<void> serve_incremental(tcp::socket s, Seen* seen, Event* got_first) {
  std::string buf;
  auto req = co_await read_request(s, buf);
  if (!req) co_return;
  co_await write_all(s, std::string("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                                    "Transfer-Encoding: chunked\r\n\r\n6\r\nfirst\n\r\n"));
  seen->first_before_second = co_await got_first->wait(5s);
  co_await write_all(s, std::string("7\r\nsecond\n\r\n0\r\n\r\n"));
  co_await wait_closed(s, seen);
}

std::string ok_json(const std::string& body, const std::string& extra = "") {
  return "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n" + extra + "\r\n" + body;
}

// Runs a coroutine to completion on `io` (at most 20 s of wall time).
template <class T>
T run(asio::io_context& io, awaitable<T> task) {
  std::optional<T> out;
  std::exception_ptr error;
  bool done = false;
  asio::co_spawn(io, std::move(task), [&](const std::exception_ptr& e, T value) {
    done = true;
    error = e;
    if (!e) out.emplace(std::move(value));
    io.stop();
  });
  io.restart();
  io.run_for(20s);
  EXPECT_TRUE(done) << "test coroutine did not finish";
  if (error) std::rethrow_exception(error);
  if (!out) throw std::runtime_error("no result");
  return std::move(*out);
}

awaitable<parley::Result<ClientResponse>> do_send(HttpClient* client, ClientRequest req) {
  co_return co_await client->send(std::move(req));
}

ClientRequest get(const std::string& url) {
  ClientRequest r;
  r.url = url;
  r.timeout = 5s;
  return r;
}

class HttpClientTest : public ::testing::Test {
 protected:
  std::unique_ptr<HttpClient> client(ClientOptions o = {}) {
    return parley::http::make_http_client(io, std::move(o));
  }
  parley::Result<ClientResponse> send(HttpClient& c, ClientRequest req) {
    return run(io, do_send(&c, std::move(req)));
  }
  asio::io_context io;  // first member: destroyed last
  Seen seen;
};

// ---------------------------------------------------------------------------
// Plain exchanges

TEST_F(HttpClientTest, GetsJsonAndSendsStandardHeaders) {
  Server server(io, &seen, [this](tcp::socket s) {
    return serve_script(std::move(s), &seen, {ok_json(R"({"ok":true})", "X-Thing: 1\r\n")}, false);
  });
  auto c = client();
  auto req = get(server.url("/a/b?x=1&y=%20"));
  ASSERT_TRUE(req.headers.set("Accept", "application/json"));
  auto r = send(*c, req);
  ASSERT_TRUE(r) << r.error().code;
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, R"({"ok":true})");
  EXPECT_EQ(r->headers.get("x-thing").value_or(""), "1");
  ASSERT_EQ(seen.requests.size(), 1u);
  const auto& head = seen.requests[0];
  EXPECT_EQ(head.rfind("GET /a/b?x=1&y=%20 HTTP/1.1\r\n", 0), 0u) << head;
  EXPECT_NE(head.find("Host: 127.0.0.1:" + std::to_string(server.port()) + "\r\n"),
            std::string::npos);
  EXPECT_NE(head.find("User-Agent: parley\r\n"), std::string::npos);
  EXPECT_NE(head.find("Accept-Encoding: identity\r\n"), std::string::npos);
  EXPECT_NE(head.find("Accept: application/json\r\n"), std::string::npos);
}

TEST_F(HttpClientTest, PostsJsonBodyWithContentLength) {
  Server server(io, &seen, [this](tcp::socket s) {
    return serve_script(std::move(s), &seen,
                        {"HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\n{}"}, false);
  });
  auto c = client();
  auto req = get(server.url("/token"));
  req.method = Method::post;
  req.body = R"({"grant_type":"client_credentials"})";
  ASSERT_TRUE(req.headers.set("Content-Type", "application/json"));
  auto r = send(*c, req);
  ASSERT_TRUE(r) << r.error().code;
  EXPECT_EQ(r->status, 201);
  EXPECT_EQ(r->body, "{}");
  ASSERT_EQ(seen.requests.size(), 1u);
  EXPECT_EQ(seen.requests[0].rfind("POST /token HTTP/1.1\r\n", 0), 0u);
  EXPECT_NE(seen.requests[0].find("Content-Length: 35\r\n"), std::string::npos);
  EXPECT_TRUE(seen.requests[0].ends_with("\r\n\r\n" + req.body));
}

// Chunked framing split at awkward places across writes.
awaitable<void> serve_chunked_split(tcp::socket s, Seen* seen) {
  std::string buf;
  auto req = co_await read_request(s, buf);
  if (!req) co_return;
  seen->requests.push_back(*req);
  const std::vector<std::string> parts = {"HTTP/1.1 200 OK\r\nTransfer-Enc",
                                          "oding: chunked\r\n\r\n5\r",
                                          "\nhel",
                                          "lo\r\n1",
                                          "0\r\n, chunked world!\r\n0\r",
                                          "\n\r\n"};
  asio::steady_timer t(s.get_executor());
  for (const auto& p : parts) {
    co_await write_all(s, p);
    t.expires_after(5ms);
    co_await t.async_wait(use_tuple);
  }
  co_await wait_closed(s, seen);
}

TEST_F(HttpClientTest, ReadsChunkedBodySplitAcrossWrites) {
  Server server(io, &seen,
                [this](tcp::socket s) { return serve_chunked_split(std::move(s), &seen); });
  auto c = client();
  auto r = send(*c, get(server.url("/")));
  ASSERT_TRUE(r) << r.error().code << " " << r.error().detail;
  EXPECT_EQ(r->body, "hello, chunked world!");
}

TEST_F(HttpClientTest, ReadsCloseDelimitedBody) {
  Server server(io, &seen, [this](tcp::socket s) {
    return serve_script(std::move(s), &seen,
                        {"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil the end"}, true);
  });
  auto c = client();
  auto r = send(*c, get(server.url("/")));
  ASSERT_TRUE(r) << r.error().code;
  EXPECT_EQ(r->body, "until the end");
}

TEST_F(HttpClientTest, EarlyCloseIsClosedError) {
  Server server(io, &seen, [this](tcp::socket s) {
    return serve_script(std::move(s), &seen,
                        {"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort"}, true);
  });
  auto c = client();
  auto r = send(*c, get(server.url("/")));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "http_client.closed");
}

TEST_F(HttpClientTest, MalformedResponseIsProtocolError) {
  Server server(io, &seen, [this](tcp::socket s) {
    return serve_script(std::move(s), &seen, {"SMTP ready\r\n\r\n"}, true);
  });
  auto c = client();
  auto r = send(*c, get(server.url("/")));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "http_client.protocol");
}

TEST_F(HttpClientTest, RefusesTooLargeBodies) {
  std::string big(5000, 'x');
  std::string chunked = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 5; ++i) chunked += "3e8\r\n" + std::string(1000, 'y') + "\r\n";
  chunked += "0\r\n\r\n";
  Server server(io, &seen, [&](tcp::socket s) {
    return serve_script(std::move(s), &seen, {ok_json(big), chunked}, false);
  });
  ClientOptions o;
  o.max_response_bytes = 1000;
  auto c = client(o);
  auto r1 = send(*c, get(server.url("/declared")));
  ASSERT_FALSE(r1);
  EXPECT_EQ(r1.error().code, "http_client.too_large");
  auto r2 = send(*c, get(server.url("/chunked")));
  ASSERT_FALSE(r2);
  EXPECT_EQ(r2.error().code, "http_client.too_large");
}

TEST_F(HttpClientTest, SendTimesOutWhenServerNeverAnswers) {
  Server server(io, &seen, [this](tcp::socket s) { return serve_stall(std::move(s), &seen, ""); });
  auto c = client();
  auto req = get(server.url("/"));
  req.timeout = 150ms;
  auto start = Clock::now();
  auto r = send(*c, req);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "http_client.timeout");
  EXPECT_LT(Clock::now() - start, 8s) << "the request's timeout, not the 10 s default";
}

TEST_F(HttpClientTest, ConnectRefusedIsConnectError) {
  unsigned short port;
  {
    tcp::acceptor a(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    port = a.local_endpoint().port();
  }
  auto c = client();
  auto r = send(*c, get("http://127.0.0.1:" + std::to_string(port) + "/"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "http_client.connect");
}

// ---------------------------------------------------------------------------
// URL policy: refused before any network traffic

TEST_F(HttpClientTest, RefusesPlainHttpToNonLoopbackBeforeConnecting) {
  auto c = client();
  // 192.0.2.1 is TEST-NET-1: a connect attempt would end in
  // http_client.connect or http_client.timeout, never insecure_url.
  auto r = send(*c, get("http://192.0.2.1/.well-known/openid-configuration"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "http_client.insecure_url");
  auto r2 = send(*c, get("http://login.example.com/x"));
  ASSERT_FALSE(r2);
  EXPECT_EQ(r2.error().code, "http_client.insecure_url");
}

TEST_F(HttpClientTest, RefusesMalformedUrls) {
  auto c = client();
  for (const char* url :
       {"ftp://127.0.0.1/x", "https://user:pw@example.com/", "not a url", "/relative/path",
        "https://127.0.0.1:99999/", "https://[v1.x]/", "https://a%20b.example/"}) {
    auto r = send(*c, get(url));
    ASSERT_FALSE(r) << url;
    EXPECT_EQ(r.error().code, "http_client.bad_url") << url;
  }
}

// ---------------------------------------------------------------------------
// Streams

awaitable<std::string> stream_incremental(HttpClient* c, std::string url, Event* got_first) {
  auto req = get(url);
  auto opened = co_await c->open(req, StreamTimeouts{});
  if (!opened) co_return "open failed: " + std::string(opened.error().code);
  auto& stream = **opened;
  EXPECT_EQ(stream.status(), 200);
  EXPECT_EQ(stream.headers().get("content-type").value_or(""), "text/event-stream");
  std::string log;
  while (true) {
    auto piece = co_await stream.read_some();
    if (!piece) co_return log + "error " + std::string(piece.error().code);
    if (!*piece) break;
    log += "[" + **piece + "]";
    if (**piece == "first\n") got_first->notify();
  }
  co_return log;
}

TEST_F(HttpClientTest, StreamYieldsPiecesAsTheyArrive) {
  Event got_first(io);
  Server server(io, &seen,
                [&](tcp::socket s) { return serve_incremental(std::move(s), &seen, &got_first); });
  auto c = client();
  auto log = run(io, stream_incremental(c.get(), server.url("/sse"), &got_first));
  EXPECT_EQ(log, "[first\n][second\n]");
  EXPECT_TRUE(seen.first_before_second);
}

awaitable<std::string> open_and_read_all(HttpClient* c, std::string url, StreamTimeouts t) {
  auto opened = co_await c->open(get(url), t);
  if (!opened) co_return "open:" + std::string(opened.error().code);
  std::string log;
  while (true) {
    auto piece = co_await (*opened)->read_some();
    if (!piece) co_return log + "error:" + std::string(piece.error().code);
    if (!*piece) co_return log + "end";
    log += **piece + "|";
  }
}

// A burst: headers and every chunk in one write, so all but the headers
// wait in the connection's buffer and are parsed from there, chunk by
// chunk, without reading the socket again. What the stream yields for
// `chunks` (the chunked body) sent that way.
std::string read_burst(asio::io_context& io, Seen& seen, HttpClient& c, const char* chunks) {
  const std::string response =
      std::string("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n") + chunks;
  Server server(io, &seen, [&seen, response](tcp::socket s) {
    return serve_script(std::move(s), &seen, {response}, false);
  });
  return run(io, open_and_read_all(&c, server.url("/"), StreamTimeouts{}));
}

TEST_F(HttpClientTest, ABurstOfChunksIsReadChunkByChunkFromTheBuffer) {
  auto c = client();
  EXPECT_EQ(read_burst(io, seen, *c, "6\r\nfirst\n\r\n7\r\nsecond\n\r\n6\r\nthird\n\r\n0\r\n\r\n"),
            "first\n|second\n|third\n|end");
}

TEST_F(HttpClientTest, AMalformedChunkInABurstIsAProtocolError) {
  auto c = client();
  EXPECT_EQ(read_burst(io, seen, *c, "6\r\nfirst\n\r\nzz\r\nnot a chunk\r\n0\r\n\r\n"),
            "first\n|error:http_client.protocol");
}

TEST_F(HttpClientTest, StreamFirstByteTimeout) {
  Server server(io, &seen, [this](tcp::socket s) { return serve_stall(std::move(s), &seen, ""); });
  auto c = client();
  StreamTimeouts t;
  t.first_byte = 100ms;
  auto start = Clock::now();
  auto log = run(io, open_and_read_all(c.get(), server.url("/"), t));
  EXPECT_EQ(log, "open:http_client.timeout");
  EXPECT_LT(Clock::now() - start, 30s) << "the first-byte timeout, not the 60 s default";
}

TEST_F(HttpClientTest, StreamIdleTimeoutMidStream) {
  Server server(io, &seen, [this](tcp::socket s) {
    return serve_stall(std::move(s), &seen,
                       "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\ndata\r\n");
  });
  auto c = client();
  StreamTimeouts t;
  t.idle = 100ms;
  auto log = run(io, open_and_read_all(c.get(), server.url("/"), t));
  EXPECT_EQ(log, "data|error:http_client.timeout");
}

awaitable<void> cancel_later(ClientStream* stream, Clock::duration after, Clock::time_point* at) {
  asio::steady_timer t(co_await asio::this_coro::executor);
  t.expires_after(after);
  co_await t.async_wait(use_tuple);
  *at = Clock::now();
  stream->cancel();
}

struct CancelOutcome {
  std::string first;
  std::string code;
  bool fixture_saw_close = false;
};

awaitable<CancelOutcome> cancel_stalled(HttpClient* c, std::string url, Seen* seen) {
  CancelOutcome out;
  auto opened = co_await c->open(get(url), StreamTimeouts{});
  if (!opened) {
    out.code = "open:" + std::string(opened.error().code);
    co_return out;
  }
  auto& stream = **opened;
  auto first = co_await stream.read_some();
  if (first && *first) out.first = **first;
  Clock::time_point cancelled_at{};
  asio::co_spawn(co_await asio::this_coro::executor, cancel_later(&stream, 50ms, &cancelled_at),
                 asio::detached);
  auto r = co_await stream.read_some();
  out.code = r ? "no error" : std::string(r.error().code);
  auto again = co_await stream.read_some();
  if (again || again.error().code != "http_client.cancelled") out.code += " (then not cancelled)";
  // The fixture must see the connection go away.
  asio::steady_timer t(co_await asio::this_coro::executor);
  auto deadline = Clock::now() + 2s;
  while (seen->closed == 0 && Clock::now() < deadline) {
    t.expires_after(5ms);
    co_await t.async_wait(use_tuple);
  }
  out.fixture_saw_close = seen->closed > 0;
  co_return out;
}

TEST_F(HttpClientTest, CancelEndsStalledStreamPromptlyAndClosesConnection) {
  Server server(io, &seen, [this](tcp::socket s) {
    return serve_stall(std::move(s), &seen,
                       "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\ndata\r\n");
  });
  auto c = client();
  auto out = run(io, cancel_stalled(c.get(), server.url("/"), &seen));
  EXPECT_EQ(out.first, "data");
  // The stalled read ends by the cancel (an idle timeout would say
  // http_client.timeout, after 60 s).
  EXPECT_EQ(out.code, "http_client.cancelled");
  EXPECT_TRUE(out.fixture_saw_close);
}

awaitable<std::string> read_with_operator_cancel(HttpClient* c, std::string url) {
  using namespace asio::experimental::awaitable_operators;
  auto opened = co_await c->open(get(url), StreamTimeouts{});
  if (!opened) co_return "open:" + std::string(opened.error().code);
  auto first = co_await (*opened)->read_some();
  asio::steady_timer t(co_await asio::this_coro::executor);
  t.expires_after(50ms);
  // The server stalls: without the cancellation the operator would wait forever.
  auto which = co_await ((*opened)->read_some() || t.async_wait(asio::use_awaitable));
  if (which.index() != 1) co_return "read finished first";
  auto after = co_await (*opened)->read_some();
  co_return after ? std::string("no error") : std::string(after.error().code);
}

TEST_F(HttpClientTest, AwaitableOperatorCancelsPendingRead) {
  Server server(io, &seen, [this](tcp::socket s) {
    return serve_stall(std::move(s), &seen,
                       "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\ndata\r\n");
  });
  auto c = client();
  EXPECT_EQ(run(io, read_with_operator_cancel(c.get(), server.url("/"))), "http_client.cancelled");
}

awaitable<std::string> read_with_deadline(HttpClient* c, std::string url) {
  auto opened = co_await c->open(get(url), StreamTimeouts{});
  if (!opened) co_return "open:" + std::string(opened.error().code);
  auto first = co_await (*opened)->read_some(std::chrono::steady_clock::now() + 5s);
  if (!first || !*first) co_return "no first piece";
  const auto started = std::chrono::steady_clock::now();
  auto stalled = co_await (*opened)->read_some(started + 100ms);
  if (stalled) co_return "the stalled read returned a piece";
  if (std::chrono::steady_clock::now() - started > 10s) co_return "not at its deadline";
  auto after = co_await (*opened)->read_some();
  co_return **first + " " + std::string(stalled.error().code) + " then " +
      (after ? std::string("a piece") : std::string(after.error().code));
}

// A read's own deadline ends a stalled stream well before the idle timeout
// (60 s here), and the exchange is over after it.
TEST_F(HttpClientTest, ADeadlineOnAReadEndsAStalledStream) {
  Server server(io, &seen, [this](tcp::socket s) {
    return serve_stall(std::move(s), &seen,
                       "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\ndata\r\n");
  });
  auto c = client();
  EXPECT_EQ(run(io, read_with_deadline(c.get(), server.url("/"))),
            "data http_client.timeout then http_client.timeout");
}

TEST_F(HttpClientTest, DebugLogCarriesNoQueryBodyOrAuthorization) {
  Server server(io, &seen, [this](tcp::socket s) {
    return serve_script(std::move(s), &seen, {ok_json(R"({"access_token":"tok-SECRET-3"})")},
                        false);
  });
  std::string captured;
  parley::log::set_sink(&captured);
  parley::log::set_level(parley::log::Level::debug);
  auto c = client();
  auto req = get(server.url("/token?code=code-SECRET-1"));
  req.method = Method::post;
  req.body = "client_secret=body-SECRET-2";
  ASSERT_TRUE(req.headers.set("Authorization", "Bearer hdr-SECRET-4"));
  auto r = send(*c, req);
  parley::log::flush();
  parley::log::set_level(parley::log::Level::info);
  parley::log::set_sink(nullptr);
  ASSERT_TRUE(r);
  EXPECT_NE(captured.find("\"path\":\"/token\""), std::string::npos) << captured;
  EXPECT_NE(captured.find("\"status\":200"), std::string::npos) << captured;
  EXPECT_EQ(captured.find("SECRET"), std::string::npos) << captured;
}

// ---------------------------------------------------------------------------
// Keep-alive

TEST_F(HttpClientTest, ReusesKeepAliveConnection) {
  Server server(io, &seen, [this](tcp::socket s) {
    return serve_script(std::move(s), &seen, {ok_json("1"), ok_json("2"), ok_json("3")}, false);
  });
  auto c = client();
  auto r1 = send(*c, get(server.url("/1")));
  auto r2 = send(*c, get(server.url("/2")));
  ASSERT_TRUE(r1 && r2);
  EXPECT_EQ(r1->body, "1");
  EXPECT_EQ(r2->body, "2");
  // A finished stream returns its connection too.
  auto log = run(io, open_and_read_all(c.get(), server.url("/3"), StreamTimeouts{}));
  EXPECT_EQ(log, "3|end");
  EXPECT_EQ(seen.connections, 1);
  EXPECT_EQ(seen.requests.size(), 3u);
}

TEST_F(HttpClientTest, ConnectionCloseIsNotReused) {
  Server server(io, &seen, [this](tcp::socket s) {
    return serve_script(std::move(s), &seen, {ok_json("1", "Connection: close\r\n")}, true);
  });
  auto c = client();
  ASSERT_TRUE(send(*c, get(server.url("/1"))));
  ASSERT_TRUE(send(*c, get(server.url("/2"))));
  EXPECT_EQ(seen.connections, 2);
}

// The first connection reads the second request and then dies without a
// byte of response: the client retries once on a new connection.
awaitable<void> serve_then_die(tcp::socket s, Seen* seen) {
  if (seen->connections > 1) {
    std::vector<std::string> responses = {ok_json("fresh")};
    co_await serve_script(std::move(s), seen, std::move(responses), false);
    co_return;
  }
  std::string buf;
  auto r1 = co_await read_request(s, buf);
  if (!r1) co_return;
  seen->requests.push_back(*r1);
  co_await write_all(s, ok_json("first"));
  auto r2 = co_await read_request(s, buf);
  if (r2) seen->requests.push_back(*r2);
  boost::system::error_code ec;
  s.close(ec);
}

TEST_F(HttpClientTest, RetriesOnceWhenReusedConnectionDies) {
  Server server(io, &seen, [this](tcp::socket s) { return serve_then_die(std::move(s), &seen); });
  auto c = client();
  auto r1 = send(*c, get(server.url("/1")));
  ASSERT_TRUE(r1);
  auto r2 = send(*c, get(server.url("/2")));
  ASSERT_TRUE(r2) << r2.error().code;
  EXPECT_EQ(r2->body, "fresh");
  EXPECT_EQ(seen.connections, 2);
  EXPECT_EQ(seen.requests.size(), 3u);
}

// ---------------------------------------------------------------------------
// TLS with a test CA made here

// SANs of the leaves the TLS tests use.
struct Pki {
  std::string ca_pem;
  std::string ca_file;
  std::string key_pem;
  std::string leaf_pem;   // SAN: DNS:localhost, IP:127.0.0.1
  std::string wrong_pem;  // SAN: DNS:other.example
};

const Pki& pki() {
  static const Pki p = [] {
    const auto& ca = parley::testing::test_pki("parley_client_test");
    return Pki{ca.ca_pem, ca.ca_file, ca.key_pem,
               ca.leaf_pem("localhost", "DNS:localhost,IP:127.0.0.1"),
               ca.leaf_pem("other.example", "DNS:other.example")};
  }();
  return p;
}

std::unique_ptr<ssl::context> server_tls(const std::string& cert_pem_text) {
  auto ctx = std::make_unique<ssl::context>(ssl::context::tls_server);
  ctx->use_certificate_chain(asio::buffer(cert_pem_text));
  ctx->use_private_key(asio::buffer(pki().key_pem), ssl::context::pem);
  return ctx;
}

awaitable<void> serve_tls_on(tcp::socket s, ssl::context* ctx, Seen* seen, std::string response) {
  ssl::stream<tcp::socket> tls(std::move(s), *ctx);
  auto [ec] = co_await tls.async_handshake(ssl::stream_base::server, use_tuple);
  if (ec) {
    ++seen->tls_failures;
    co_return;
  }
  std::string buf;
  // Same answer to every request on the connection, until the client closes.
  while (true) {
    auto req = co_await read_request(tls, buf);
    if (!req) break;
    seen->requests.push_back(*req);
    if (!co_await write_all(tls, response)) break;
  }
  ++seen->closed;
}

class HttpClientTlsTest : public HttpClientTest {
 protected:
  std::string https_url(const Server& s, const std::string& host = "127.0.0.1") {
    return "https://" + host + ":" + std::to_string(s.port()) + "/secure";
  }
};

TEST_F(HttpClientTlsTest, VerifiesServerWithTestCa) {
  auto ctx = server_tls(pki().leaf_pem);
  Server server(io, &seen, [&](tcp::socket s) {
    return serve_tls_on(std::move(s), ctx.get(), &seen, ok_json(R"({"tls":1})"));
  });
  ClientOptions o;
  o.ca_file = pki().ca_file;
  auto c = client(o);
  auto r = send(*c, get(https_url(server)));
  ASSERT_TRUE(r) << r.error().code << " " << r.error().detail;
  EXPECT_EQ(r->body, R"({"tls":1})");
  auto r2 = send(*c, get(https_url(server, "localhost")));
  ASSERT_TRUE(r2) << r2.error().code << " " << r2.error().detail;
}

TEST_F(HttpClientTlsTest, ReusesTlsConnection) {
  auto ctx = server_tls(pki().leaf_pem);
  Server server(io, &seen, [&](tcp::socket s) {
    return serve_tls_on(std::move(s), ctx.get(), &seen, ok_json("{}"));
  });
  ClientOptions o;
  o.ca_file = pki().ca_file;
  auto c = client(o);
  for (int i = 0; i < 3; ++i) {
    auto r = send(*c, get(https_url(server)));
    ASSERT_TRUE(r) << r.error().code << " " << r.error().detail;
  }
  EXPECT_EQ(seen.connections, 1);
  EXPECT_EQ(seen.requests.size(), 3u);
}

TEST_F(HttpClientTlsTest, FailsWithoutTheCa) {
  auto ctx = server_tls(pki().leaf_pem);
  Server server(io, &seen, [&](tcp::socket s) {
    return serve_tls_on(std::move(s), ctx.get(), &seen, ok_json("{}"));
  });
  auto c = client();  // system CAs only
  auto r = send(*c, get(https_url(server)));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "http_client.tls");
  EXPECT_TRUE(seen.requests.empty());
}

TEST_F(HttpClientTlsTest, FailsOnWrongHostName) {
  auto ctx = server_tls(pki().wrong_pem);
  Server server(io, &seen, [&](tcp::socket s) {
    return serve_tls_on(std::move(s), ctx.get(), &seen, ok_json("{}"));
  });
  ClientOptions o;
  o.ca_file = pki().ca_file;
  auto c = client(o);
  auto r = send(*c, get(https_url(server)));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "http_client.tls");
  EXPECT_TRUE(seen.requests.empty());
}

TEST_F(HttpClientTlsTest, UnreadableCaFileFailsRequests) {
  ClientOptions o;
  o.ca_file = "/nonexistent/ca.pem";
  auto c = client(o);
  auto r = send(*c, get("https://127.0.0.1:1/"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "http_client.tls");
}

// ---------------------------------------------------------------------------
// HTTPS_PROXY: a fixture proxy that answers CONNECT and then terminates the
// TLS itself (its certificate is valid for 127.0.0.1).

awaitable<void> serve_proxy(tcp::socket s, ssl::context* ctx, Seen* seen,
                            std::string connect_reply) {
  std::string buf;
  auto head = co_await read_request(s, buf);
  if (!head) co_return;
  seen->requests.push_back(*head);
  co_await write_all(s, connect_reply);
  if (connect_reply.find(" 200 ") == std::string::npos) {
    co_await wait_closed(s, seen);
    co_return;
  }
  co_await serve_tls_on(std::move(s), ctx, seen, ok_json(R"({"via":"proxy"})"));
}

TEST_F(HttpClientTlsTest, TunnelsThroughProxyWithConnect) {
  auto ctx = server_tls(pki().leaf_pem);
  Server proxy(io, &seen, [&](tcp::socket s) {
    return serve_proxy(std::move(s), ctx.get(), &seen,
                       "HTTP/1.1 200 Connection established\r\n\r\n");
  });
  ClientOptions o;
  o.ca_file = pki().ca_file;
  o.https_proxy = "http://alice:p%40ss@127.0.0.1:" + std::to_string(proxy.port());
  o.proxy_bypass_loopback = false;
  auto c = client(o);
  auto r = send(*c, get("https://127.0.0.1:4443/v1/models?x=1"));
  ASSERT_TRUE(r) << r.error().code << " " << r.error().detail;
  EXPECT_EQ(r->body, R"({"via":"proxy"})");
  ASSERT_EQ(seen.requests.size(), 2u);
  EXPECT_EQ(seen.requests[0].rfind("CONNECT 127.0.0.1:4443 HTTP/1.1\r\n", 0), 0u)
      << seen.requests[0];
  EXPECT_NE(seen.requests[0].find("Proxy-Authorization: Basic " +
                                  parley::base64_encode("alice:p@ss") + "\r\n"),
            std::string::npos);
  EXPECT_EQ(seen.requests[1].rfind("GET /v1/models?x=1 HTTP/1.1\r\n", 0), 0u);
  // The inner request never carries proxy credentials.
  EXPECT_EQ(seen.requests[1].find("Proxy-Authorization"), std::string::npos);
}

TEST_F(HttpClientTlsTest, ProxyWithoutCredentialsSendsNoAuthorization) {
  auto ctx = server_tls(pki().leaf_pem);
  Server proxy(io, &seen, [&](tcp::socket s) {
    return serve_proxy(std::move(s), ctx.get(), &seen, "HTTP/1.1 200 OK\r\n\r\n");
  });
  ClientOptions o;
  o.ca_file = pki().ca_file;
  o.https_proxy = "127.0.0.1:" + std::to_string(proxy.port());  // scheme optional, as curl
  o.proxy_bypass_loopback = false;
  auto c = client(o);
  auto r = send(*c, get("https://127.0.0.1:4443/"));
  ASSERT_TRUE(r) << r.error().code << " " << r.error().detail;
  ASSERT_FALSE(seen.requests.empty());
  EXPECT_EQ(seen.requests[0].find("Proxy-Authorization"), std::string::npos);
}

TEST_F(HttpClientTlsTest, ProxyRefusalIsProxyError) {
  auto ctx = server_tls(pki().leaf_pem);
  Server proxy(io, &seen, [&](tcp::socket s) {
    return serve_proxy(std::move(s), ctx.get(), &seen,
                       "HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n");
  });
  ClientOptions o;
  o.ca_file = pki().ca_file;
  o.https_proxy = "http://127.0.0.1:" + std::to_string(proxy.port());
  o.proxy_bypass_loopback = false;
  auto c = client(o);
  auto r = send(*c, get("https://127.0.0.1:4443/"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "http_client.proxy");
}

TEST_F(HttpClientTlsTest, LoopbackAndNoProxyBypassTheProxy) {
  Seen proxy_seen;
  Server proxy(io, &proxy_seen, [&](tcp::socket s) {
    return serve_script(std::move(s), &proxy_seen, {"HTTP/1.1 500 No\r\n\r\n"}, true);
  });
  Server direct(io, &seen, [this](tcp::socket s) {
    return serve_script(std::move(s), &seen, {ok_json("direct"), ok_json("direct")}, false);
  });
  {
    ClientOptions o;  // default: loopback never uses the proxy
    o.https_proxy = "http://127.0.0.1:" + std::to_string(proxy.port());
    auto c = client(o);
    auto r = send(*c, get(direct.url("/")));
    ASSERT_TRUE(r) << r.error().code;
    EXPECT_EQ(r->body, "direct");
  }
  {
    ClientOptions o;
    o.https_proxy = "http://127.0.0.1:" + std::to_string(proxy.port());
    o.proxy_bypass_loopback = false;
    o.no_proxy = "example.com, 127.0.0.1";
    auto c = client(o);
    auto r = send(*c, get(direct.url("/")));
    ASSERT_TRUE(r) << r.error().code;
  }
  EXPECT_EQ(proxy_seen.connections, 0);
}

TEST(HttpClientOptions, ReadsProxyAndCaFromTheGivenEnvironment) {
  std::map<std::string, std::string, std::less<>> vars = {
      {"HTTPS_PROXY", "http://upper:3128"},
      {"https_proxy", "http://lower:3128"},
      {"NO_PROXY", "upper.example"},
      {"no_proxy", ""},
      {"SSL_CERT_FILE", "/etc/ssl/custom.pem"}};
  auto env = [&vars](std::string_view name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
  auto o = parley::http::client_options_from_env(env);
  EXPECT_EQ(o.https_proxy, "http://lower:3128");  // curl: lower case first
  EXPECT_EQ(o.no_proxy, "upper.example");         // an empty one counts as unset
  EXPECT_EQ(o.ca_file, "/etc/ssl/custom.pem");
  vars.clear();
  auto none = parley::http::client_options_from_env(env);
  EXPECT_TRUE(none.https_proxy.empty());
  EXPECT_TRUE(none.no_proxy.empty());
  EXPECT_TRUE(none.ca_file.empty());
}

}  // namespace
