#pragma once
// The two phases of a run. Everything runs on one io_context thread; the
// coroutines share a Run and take the next stream index from it.
//   create_worker  (parley only) creates conversations on a keep-alive
//                  connection until every stream has one (or an error);
//   stream_worker  streams answers one after the other, each on its own
//                  connection, and records a StreamResult per stream.

#include <boost/asio/awaitable.hpp>

#include <string>
#include <vector>

#include "http.hpp"
#include "options.hpp"
#include "stats.hpp"

namespace chat_load {

struct Run {
  Options opt;
  Origin origin;
  std::vector<User> users;                 // parley: round-robin over streams
  std::vector<std::string> conversations;  // parley: one per stream
  std::vector<StreamResult> results;       // one per stream
  std::size_t next = 0;                    // the next stream to start
  Clock::time_point t0;                    // start of the streaming phase

  Clock::time_point deadline() const { return Clock::now() + opt.timeout; }
};

asio::awaitable<void> create_worker(Run& run);
asio::awaitable<void> stream_worker(Run& run);

double ms_since(Clock::time_point t0);

}  // namespace chat_load
