#include "llm/subprocess.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>

extern char** environ;  // NOLINT(readability-redundant-declaration): POSIX, no header declares it

namespace parley::llm {

namespace {

// Closes a descriptor once.
class Fd {
 public:
  Fd() = default;
  ~Fd() { reset(); }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  bool open() const { return fd_ >= 0; }
  void reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

struct Pipe {
  Fd read, write;
};

int make_pipe(Pipe& p) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return errno;
  p.read.reset(fds[0]);
  p.write.reset(fds[1]);
  return 0;
}

class SpawnSetup {
 public:
  SpawnSetup() {
    posix_spawn_file_actions_init(&actions);
    posix_spawnattr_init(&attr);
  }
  ~SpawnSetup() {
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
  }
  SpawnSetup(const SpawnSetup&) = delete;
  SpawnSetup& operator=(const SpawnSetup&) = delete;
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
};

// Reads what is there; false at end of file or on an error.
bool drain(int fd, std::string& into, std::size_t max) {
  std::array<char, 4096> buf;
  const ssize_t n = ::read(fd, buf.data(), buf.size());
  if (n < 0) return errno == EINTR || errno == EAGAIN;
  if (n == 0) return false;
  const auto got = static_cast<std::size_t>(n);
  if (into.size() < max) into.append(buf.data(), std::min(got, max - into.size()));
  return true;
}

}  // namespace

ProcessOutcome run_process(const std::vector<std::string>& argv, std::chrono::milliseconds timeout,
                           std::size_t max_output) {
  ProcessOutcome r;
  if (argv.empty()) {
    r.spawn_error = EINVAL;
    return r;
  }
  Pipe out, err;
  r.spawn_error = make_pipe(out);
  if (r.spawn_error == 0) r.spawn_error = make_pipe(err);
  if (r.spawn_error != 0) return r;

  SpawnSetup setup;
  posix_spawn_file_actions_addopen(&setup.actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&setup.actions, out.write.get(), 1);
  posix_spawn_file_actions_adddup2(&setup.actions, err.write.get(), 2);
  // The server blocks or handles some signals; the child starts clean.
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&setup.attr, &none);
  sigset_t defaults;
  sigemptyset(&defaults);
  for (int sig : {SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGCHLD}) sigaddset(&defaults, sig);
  posix_spawnattr_setsigdefault(&setup.attr, &defaults);
  posix_spawnattr_setpgroup(&setup.attr, 0);
  posix_spawnattr_setflags(&setup.attr,
                           POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP);

  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  const int rc =
      posix_spawnp(&pid, argv[0].c_str(), &setup.actions, &setup.attr, args.data(), environ);
  out.write.reset();
  err.write.reset();
  if (rc != 0) {
    r.spawn_error = rc;
    return r;
  }

  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (out.read.open() || err.read.open()) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      r.timed_out = true;
      ::kill(-pid, SIGKILL);  // the group: az's Python too
      break;
    }
    std::array<pollfd, 2> fds{{{out.read.get(), POLLIN, 0}, {err.read.get(), POLLIN, 0}}};
    const int n = ::poll(fds.data(), fds.size(), static_cast<int>(left.count()) + 1);
    if (n < 0 && errno != EINTR) {
      ::kill(-pid, SIGKILL);
      break;
    }
    if (n <= 0) continue;
    if (fds[0].revents != 0 && !drain(out.read.get(), r.out, max_output)) out.read.reset();
    if (fds[1].revents != 0 && !drain(err.read.get(), r.err, max_output)) err.read.reset();
  }
  out.read.reset();
  err.read.reset();

  int status = 0;
  pid_t waited = -1;
  do {
    waited = ::waitpid(pid, &status, 0);
  } while (waited < 0 && errno == EINTR);
  if (waited == pid && WIFEXITED(status)) {
    r.exited = true;
    r.exit_status = WEXITSTATUS(status);
  }
  return r;
}

}  // namespace parley::llm
