#include "support/child_process.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>

namespace parley::testing {

namespace {
std::string env_or(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return v ? v : fallback;
}
}  // namespace

std::string binary_dir() { return env_or("PARLEY_BINARY_DIR", "."); }
std::string source_dir() { return env_or("PARLEY_SOURCE_DIR", "."); }

ChildProcess::ChildProcess(Options options) {
  if (options.log_file.empty()) {
    char tmpl[] = "/tmp/parley-child-XXXXXX";
    const int fd = mkstemp(tmpl);
    if (fd < 0) throw std::runtime_error("mkstemp failed");
    ::close(fd);
    options.log_file = tmpl;
    owns_log_file_ = true;
  }
  log_file_ = options.log_file;
  if (!options.env.count("PATH")) options.env["PATH"] = env_or("PATH", "/usr/bin:/bin");
  for (const char* passthrough : {"ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"}) {
    if (const char* v = std::getenv(passthrough); v && !options.env.count(passthrough)) {
      options.env[passthrough] = v;
    }
  }

  std::vector<std::string> env_strings;
  for (const auto& [k, v] : options.env) env_strings.push_back(k + "=" + v);
  std::vector<char*> argv;
  for (auto& a : options.argv) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (auto& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);

  const int out = ::open(log_file_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (out < 0) throw std::runtime_error("cannot open " + log_file_);
  pid_ = fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    dup2(out, STDOUT_FILENO);
    dup2(out, STDERR_FILENO);
    const int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull >= 0) dup2(devnull, STDIN_FILENO);
    setpgid(0, 0);
    execve(argv[0], argv.data(), envp.data());
    _exit(127);
  }
  ::close(out);
}

ChildProcess::~ChildProcess() {
  if (pid_ > 0 && !exit_status_) terminate(std::chrono::seconds(5));
  if (owns_log_file_) ::unlink(log_file_.c_str());
}

bool ChildProcess::running() {
  if (exit_status_) return false;
  int status = 0;
  const pid_t r = waitpid(pid_, &status, WNOHANG);
  if (r == pid_) {
    exit_status_ = WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
    return false;
  }
  return true;
}

int ChildProcess::terminate(std::chrono::milliseconds grace) {
  if (exit_status_) return *exit_status_;
  ::kill(pid_, SIGTERM);
  const bool exited = eventually([&] { return !running(); }, grace, std::chrono::milliseconds(5));
  if (!exited) kill_now();
  return exit_status_.value_or(-SIGKILL);
}

void ChildProcess::kill_now() {
  if (exit_status_) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  waitpid(pid_, &status, 0);
  exit_status_ = WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
}

std::string ChildProcess::output() const {
  std::ifstream in(log_file_);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool ChildProcess::wait_for_output(const std::string& needle, std::chrono::milliseconds timeout) {
  return eventually([&] { return output().find(needle) != std::string::npos || !running(); },
                    timeout) &&
         output().find(needle) != std::string::npos;
}

namespace {

// A socket bound to 127.0.0.1:`port` (0: any), or -1 when that port is taken.
int bound_socket(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// The first port of the kernel's ephemeral range (bind(0) and outgoing
// connections take theirs from it).
int ephemeral_low() {
  std::ifstream in("/proc/sys/net/ipv4/ip_local_port_range");
  int low = 0;
  if (!(in >> low)) low = 32768;
  return low;
}

// A port below the ephemeral range, claimed by a lock file kept open until
// this process exits; 0 when none was found.
int claim_reserved_port() {
  static std::mt19937 random(std::random_device{}() ^ static_cast<unsigned>(::getpid()));
  constexpr int kLow = 10000;
  const int high = std::min(ephemeral_low(), 32768);
  if (high - kLow < 1000) return 0;
  const std::string dir = "/tmp/parley-test-ports";
  ::mkdir(dir.c_str(), 01777);
  for (int attempt = 0; attempt < 1000; ++attempt) {
    const int port = kLow + static_cast<int>(random() % static_cast<unsigned>(high - kLow));
    const std::string lock = dir + "/" + std::to_string(port);
    const int lock_fd = ::open(lock.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0666);
    if (lock_fd < 0) continue;
    const int fd = ::flock(lock_fd, LOCK_EX | LOCK_NB) == 0 ? bound_socket(port) : -1;
    if (fd >= 0) {
      ::close(fd);
      return port;  // lock_fd stays open: the claim lasts until exit
    }
    ::close(lock_fd);
  }
  return 0;
}

}  // namespace

// Below the ephemeral range, so that no bind(0) and no outgoing connection
// (another test's, PostgreSQL's, a mock's) can take the port between its
// choice and the server's bind; claimed by a lock file, so that two test
// processes never get the same one.
int free_port() {
  if (const int port = claim_reserved_port(); port != 0) return port;
  // No room below the ephemeral range: whatever the kernel offers.
  const int fd = bound_socket(0);
  if (fd < 0) throw std::runtime_error("bind failed");
  sockaddr_in addr{};
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

bool wait_http_status(int port, const std::string& path, int status,
                      std::chrono::milliseconds timeout) {
  return eventually(
      [&] {
        const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        addr.sin_port = htons(static_cast<std::uint16_t>(port));
        bool ok = false;
        if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
          const std::string req =
              "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
          if (::send(fd, req.data(), req.size(), MSG_NOSIGNAL) ==
              static_cast<ssize_t>(req.size())) {
            char buf[64] = {};
            const ssize_t n = ::recv(fd, buf, sizeof buf - 1, 0);
            ok = n > 12 && std::strncmp(buf + 9, std::to_string(status).c_str(), 3) == 0;
          }
        }
        ::close(fd);
        return ok;
      },
      timeout, std::chrono::milliseconds(10));
}

}  // namespace parley::testing
