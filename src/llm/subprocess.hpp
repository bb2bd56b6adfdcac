#pragma once
// Runs a program to completion and captures what it writes: for the Azure
// CLI credential (`az account get-access-token`). Blocking: call it off the
// io thread (the credential runs it on a thread of its own).
//
// The program is looked up on PATH (posix_spawnp) and gets the process's
// environment, stdin from /dev/null, default signal handling and its own
// process group: at the deadline the whole group is killed (az is a script
// that starts Python), and the call returns at once with timed_out.

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

namespace parley::llm {

struct ProcessOutcome {
  int spawn_error = 0;  // errno of a failed start (ENOENT: not on PATH); 0 when it ran
  bool timed_out = false;
  bool exited = false;   // exited normally (not killed by a signal)
  int exit_status = -1;  // with `exited`
  std::string out;       // stdout, at most `max_output` bytes (the rest is read and dropped)
  std::string err;       // stderr, idem
};

ProcessOutcome run_process(const std::vector<std::string>& argv, std::chrono::milliseconds timeout,
                           std::size_t max_output = 1 << 20);

}  // namespace parley::llm
