#pragma once
// The scenario list shared by every platform (tests/scenarios/scenarios.txt):
//
//   scenario NAME
//     run: ARGS...            arguments after `tessera run` (shell-like quoting)
//     status: N               expected exit status
//     expect: REGEX           output lines, matched in this order (ECMAScript regex)
//     reject: REGEX           must match no output line
//     interrupt-when: REGEX   send SIGINT once a line matches (Ctrl-C)
//     timeout: SECONDS        default 60; exceeding it fails as "timed out"
//     platform-specific: REGEX   lines that may differ between platforms (or between runs:
//                             timings); ignored when outputs are compared across platforms.
//                             Before the first scenario it applies to all of them.
//     platforms: NAMES...     where it runs (hosted, vm); default all. Say why in a comment.
//
// Blank lines and lines starting with '#' are ignored.
#include <optional>
#include <string>
#include <vector>

namespace tessera::scenario {

struct Pattern {
  std::string regex;
  int line_number;
};

struct Scenario {
  std::string name;
  int line_number = 0;
  std::vector<std::string> run_arguments;
  int status = 0;
  std::vector<Pattern> expect;
  std::vector<Pattern> reject;
  std::optional<Pattern> interrupt_when;
  std::vector<Pattern> platform_specific;
  int timeout_seconds = 60;
  std::vector<std::string> platforms{"hosted", "vm"};
};

// Errors name the file and line.
bool parse_scenario_file(const std::string& path, std::vector<Scenario>& out, std::string& error);
// Splits like a POSIX shell without expansions: whitespace separates, '...' and "..." group.
bool split_words(const std::string& text, std::vector<std::string>& words, std::string& error);

}  // namespace tessera::scenario
