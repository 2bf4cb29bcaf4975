#pragma once
// Runs a child process with a time limit, reading its stdout and stderr together line
// by line as they come, so a caller can react to output (e.g. send Ctrl-C).
#include <functional>
#include <string>
#include <vector>

namespace tessera::scenario {

struct ProcessResult {
  bool started = false;
  bool timed_out = false;
  int exit_status = -1;  // when it exited normally
  int signal = 0;        // when a signal ended it
  std::string output;    // stdout and stderr interleaved as they arrived
  std::string error;     // why it could not start
};

// `on_line` is called for every complete output line; returning true sends SIGINT to the child.
ProcessResult run_process(const std::vector<std::string>& argv, int timeout_seconds,
                          const std::function<bool(const std::string& line)>& on_line);

}  // namespace tessera::scenario
