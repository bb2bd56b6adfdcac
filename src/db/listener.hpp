#pragma once
// A dedicated LISTEN connection. Calls on_notify for every NOTIFY on the
// given channels; after the connection drops it reconnects with backoff
// (100 ms doubling to 1 s) and calls on_reconnected, because notifications
// sent while it was away are lost: the owner resyncs its state then. An idle
// connection is pinged every 15 s, so a silently dead one is noticed.
//
// on_reconnected is called on every successful connection except the very
// first one when it succeeds at the first attempt (the owner syncs before
// start()).
//
// Strand affinity: the io_context given to the constructor; the callbacks
// run on its thread. start()/stop() from that thread. The destructor stops.

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace boost::asio {
class io_context;
}

namespace parley::db {

class Listener {
 public:
  using NotifyFn = std::function<void(std::string_view channel, std::string_view payload)>;
  using ReconnectedFn = std::function<void()>;

  Listener(boost::asio::io_context& io, std::string url, std::vector<std::string> channels,
           NotifyFn on_notify, ReconnectedFn on_reconnected);
  ~Listener();
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;

  void start();
  void stop();
  // True while a LISTENing connection is established.
  bool connected() const;

  struct State;

 private:
  std::shared_ptr<State> state_;
};

}  // namespace parley::db
