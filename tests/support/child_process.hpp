#pragma once
// A child process for tests: started with explicit argv and environment,
// stdout+stderr captured to a file, stopped (SIGTERM, then SIGKILL) by the
// destructor so no test leaves a process behind.

#include <sys/types.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace parley::testing {

class ChildProcess {
 public:
  struct Options {
    std::vector<std::string> argv;
    std::map<std::string, std::string> env;  // the whole environment (PATH added if absent)
    std::string log_file;  // stdout+stderr; empty: a temp file, removed with the process object
  };

  explicit ChildProcess(Options options);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  bool running();
  // SIGTERM and wait up to `grace`; returns the exit status (or -signal).
  int terminate(std::chrono::milliseconds grace = std::chrono::seconds(5));
  void kill_now();
  std::string output() const;  // everything written so far
  const std::string& log_file() const { return log_file_; }

  // Polls output() until it contains `needle` or the deadline passes.
  bool wait_for_output(const std::string& needle, std::chrono::milliseconds timeout);

 private:
  pid_t pid_ = -1;
  std::optional<int> exit_status_;
  std::string log_file_;
  bool owns_log_file_ = false;  // a temp file we made: removed in the destructor
};

// A free TCP port on 127.0.0.1 for a test server, below the kernel's
// ephemeral range and claimed by this process until it exits (a lock file
// in /tmp/parley-test-ports), so that neither another test process nor an
// outgoing connection takes it before the server binds it.
int free_port();

// Polls `GET http://127.0.0.1:port/path` until it answers `status`.
bool wait_http_status(int port, const std::string& path, int status,
                      std::chrono::milliseconds timeout);

// Runs until `pred` holds or the deadline passes (no fixed sleeps).
template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds timeout,
                std::chrono::milliseconds step = std::chrono::milliseconds(20));

std::string binary_dir();  // PARLEY_BINARY_DIR
std::string source_dir();  // PARLEY_SOURCE_DIR

}  // namespace parley::testing

#include <thread>

template <class Pred>
bool parley::testing::eventually(Pred pred, std::chrono::milliseconds timeout,
                                 std::chrono::milliseconds step) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (pred()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(step);
  }
}
