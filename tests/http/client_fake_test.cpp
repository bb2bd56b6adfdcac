// FakeHttpClient: the scripted transport higher layers test against.

#include <gtest/gtest.h>

#include <boost/asio.hpp>
#include <chrono>
#include <string>

#include "http/errors.hpp"
#include "support/http/fake_http_client.hpp"

namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using parley::http::ClientRequest;
using parley::http::ClientResponse;
using parley::http::FakeHttpClient;
using parley::http::ScriptedStream;
using parley::http::StreamTimeouts;

template <class T>
T run(asio::io_context& io, asio::awaitable<T> task) {
  std::optional<T> out;
  asio::co_spawn(io, std::move(task), [&](std::exception_ptr e, T v) {
    if (e) std::rethrow_exception(e);
    out.emplace(std::move(v));
  });
  io.run_for(5s);
  if (!out) throw std::runtime_error("did not finish");
  return std::move(*out);
}

asio::awaitable<std::string> send_twice(FakeHttpClient* fake) {
  ClientRequest a;
  a.url = "https://login.example/token";
  auto r1 = co_await fake->send(a);
  ClientRequest b;
  b.url = "https://login.example/keys";
  auto r2 = co_await fake->send(b);
  auto r3 = co_await fake->send(b);
  co_return (r1 ? r1->body : "err") + "," + (r2 ? r2->body : std::string(r2.error().code)) + "," +
      (r3 ? r3->body : std::string(r3.error().code));
}

TEST(FakeHttpClient, AnswersQueuedResponsesAndRecordsRequests) {
  asio::io_context io;
  FakeHttpClient fake(io.get_executor());
  fake.push_response(ClientResponse{200, {}, "one"});
  fake.push_response(parley::make_error(parley::errc::http_client::timeout));
  EXPECT_EQ(run(io, send_twice(&fake)), "one,http_client.timeout,http_client.connect");
  ASSERT_EQ(fake.requests().size(), 3u);
  EXPECT_EQ(fake.requests()[0].url, "https://login.example/token");
}

asio::awaitable<std::string> read_stream(FakeHttpClient* fake, bool cancel_at_stall) {
  ClientRequest req;
  req.url = "https://aoai.example/chat";
  auto opened = co_await fake->open(req, StreamTimeouts{});
  if (!opened) co_return std::string(opened.error().code);
  std::string log = std::to_string((*opened)->status()) + ":";
  while (true) {
    if (cancel_at_stall && log.ends_with("c|")) {
      asio::steady_timer t(co_await asio::this_coro::executor);
      t.expires_after(10ms);
      co_await t.async_wait(asio::use_awaitable);
      (*opened)->cancel();
    }
    auto piece = co_await (*opened)->read_some();
    if (!piece) co_return log + std::string(piece.error().code);
    if (!*piece) co_return log + "end";
    log += **piece + "|";
  }
}

TEST(FakeHttpClient, PlaysScriptedPiecesWithDelays) {
  asio::io_context io;
  FakeHttpClient fake(io.get_executor());
  ScriptedStream s;
  s.pieces = {{"da", 0ms}, {"ta: {\"x\"", 5ms}, {":1}\n\n", 1ms}};
  fake.push_stream(s);
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(run(io, read_stream(&fake, false)), "200:da|ta: {\"x\"|:1}\n\n|end");
  EXPECT_GE(std::chrono::steady_clock::now() - start, 5ms);
}

TEST(FakeHttpClient, ScriptedErrorAndOpenFailure) {
  asio::io_context io;
  FakeHttpClient fake(io.get_executor());
  ScriptedStream s;
  s.status = 200;
  s.pieces = {{"a"}};
  s.end_error = parley::make_error(parley::errc::http_client::closed);
  fake.push_stream(s);
  fake.push_stream(parley::make_error(parley::errc::http_client::tls));
  EXPECT_EQ(run(io, read_stream(&fake, false)), "200:a|http_client.closed");
  io.restart();
  EXPECT_EQ(run(io, read_stream(&fake, false)), "http_client.tls");
}

TEST(FakeHttpClient, StallEndsOnCancel) {
  asio::io_context io;
  FakeHttpClient fake(io.get_executor());
  fake.on_open([](const ClientRequest&) -> parley::Result<ScriptedStream> {
    ScriptedStream s;
    s.pieces = {{"c"}};
    s.stall = true;
    return s;
  });
  EXPECT_EQ(run(io, read_stream(&fake, true)), "200:c|http_client.cancelled");
  EXPECT_EQ(fake.cancelled_streams(), 1);
}

}  // namespace
