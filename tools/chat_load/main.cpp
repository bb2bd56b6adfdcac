// chat-load: load generator for the chat benchmarks (docs/BENCHMARKS.md).
//
//   chat-load parley --url http://127.0.0.1:P --sessions FILE --streams N
//   chat-load direct --url http://127.0.0.1:P --deployment D --api-key K --streams N
//   options of both: [--concurrency C] [--json] [--timeout SECONDS=120]
//                    [--api-version V=2024-10-21] (direct only)
//
// parley: FILE has one line per signed-in user, "<parley.session cookie> <csrf token>".
// First the N conversations are created (POST /api/conversations, users
// round-robin, 32 at a time), then N answers are streamed (POST
// /api/conversations/{id}/messages), C at a time on one connection each
// (C defaults to N: all at once). Per stream it records the time from
// sending the message to the `start` event (the server sends it once the
// user message is committed), to the first `delta` and to the end of the
// body. A stream is ok when it ends with `done` status `complete`.
//
// direct: the same against mock-azure-openai's chat-completions endpoint
// with "stream":true: time to the first chunk with non-empty
// choices[0].delta.content, and to the end; ok when `[DONE]` arrived.
//
// One thread, Boost.Beast coroutines, plain HTTP to loopback only. Prints a
// summary (or one JSON object with --json); exit status 0 when every stream
// was ok, 1 otherwise, 2 for bad usage.

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include <sys/resource.h>

#include <algorithm>
#include <iostream>

#include "options.hpp"
#include "stats.hpp"
#include "streams.hpp"

namespace chat_load {
namespace {

constexpr std::size_t kCreateConcurrency = 32;

// Each stream holds a socket; the default soft limit of 1,024 is too low.
void raise_descriptor_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    (void)setrlimit(RLIMIT_NOFILE, &limit);
  }
}

int run_main(int argc, char** argv) {
  std::string why;
  auto opt = parse_args(argc, argv, why);
  if (!opt) {
    if (!why.empty()) std::cerr << "chat-load: " << why << "\n";
    std::cerr << kUsage;
    return 2;
  }
  Run run;
  run.opt = std::move(*opt);
  auto origin = parse_origin(run.opt.url, why);
  if (!origin) {
    std::cerr << "chat-load: " << run.opt.url << ": " << why << "\n";
    return 2;
  }
  run.origin = std::move(*origin);
  if (run.opt.mode == "parley") {
    run.users = read_sessions(run.opt.sessions_file, why);
    if (run.users.empty()) {
      std::cerr << "chat-load: " << why << "\n";
      return 2;
    }
  }
  raise_descriptor_limit();
  run.results.resize(run.opt.streams);
  run.conversations.resize(run.opt.streams);

  asio::io_context io(1);
  if (run.opt.mode == "parley") {
    for (std::size_t w = 0; w < std::min(kCreateConcurrency, run.opt.streams); ++w) {
      asio::co_spawn(io, create_worker(run), asio::detached);
    }
    io.run();
    io.restart();
    run.next = 0;
  }
  run.t0 = Clock::now();
  for (std::size_t w = 0; w < run.opt.concurrency; ++w) {
    asio::co_spawn(io, stream_worker(run), asio::detached);
  }
  io.run();

  Summary s;
  s.mode = run.opt.mode;
  s.concurrency = static_cast<int>(run.opt.concurrency);
  s.wall_ms = ms_since(run.t0);
  s.results = std::move(run.results);
  if (run.opt.json) {
    print_json(s, std::cout);
  } else {
    print_text(s, std::cout);
  }
  const bool all_ok = std::all_of(s.results.begin(), s.results.end(),
                                  [](const auto& r) { return r.error.empty(); });
  return all_ok ? 0 : 1;
}

}  // namespace
}  // namespace chat_load

int main(int argc, char** argv) { return chat_load::run_main(argc, argv); }
