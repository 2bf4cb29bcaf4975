// Runs one scenario of the shared list against one platform and explains any mismatch.
//   scenario_runner --tessera PATH --file scenarios.txt --scenario NAME [--platform hosted|vm] [--machine M]
// On vm the scenario runs as `tessera run --platform qemu [--machine M] ARGS`, with the same
// expectations. A scenario not meant for the platform exits with kSkipped (ctest: skipped).
//   scenario_runner --file scenarios.txt --list
#include <algorithm>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <regex>
#include <sstream>
#include <string>

#include "scenario/process.hh"
#include "scenario/scenario_file.hh"

using namespace tessera::scenario;

namespace {

constexpr int kSkipped = 77;  // SKIP_RETURN_CODE of the ctest tests

int usage() {
  std::fprintf(stderr,
               "usage: scenario_runner --tessera PATH --file FILE --scenario NAME [--platform hosted|vm] "
               "[--machine microvm|q35] [--images DIR]\n"
               "       scenario_runner --file FILE --list\n");
  return 2;
}

// Lines as compared across platforms: without the log's "[    0.001234] " timestamp,
// and without lines matching a platform-specific pattern.
std::vector<std::string> comparable_lines(const std::string& output, const std::vector<Pattern>& platform_specific) {
  static const std::regex timestamp(R"(^\[ *[0-9]+\.[0-9]+\] )");
  std::vector<std::regex> ignored;
  for (const auto& p : platform_specific) ignored.emplace_back(p.regex);
  std::vector<std::string> lines;
  std::istringstream stream(output);
  std::string line;
  while (std::getline(stream, line)) {
    line = std::regex_replace(line, timestamp, "");
    bool skip = false;
    for (const auto& r : ignored) skip = skip || std::regex_search(line, r);
    if (!skip) lines.push_back(line);
  }
  return lines;
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream stream(text);
  std::string line;
  while (std::getline(stream, line)) lines.push_back(line);
  return lines;
}

}  // namespace

int main(int argc, char** argv) {
  std::string tessera, file, name, platform = "hosted", machine, images = ".";
  bool list = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&](std::string& out) {
      if (i + 1 >= argc) return false;
      out = argv[++i];
      return true;
    };
    if (arg == "--tessera" && value(tessera)) continue;
    if (arg == "--file" && value(file)) continue;
    if (arg == "--scenario" && value(name)) continue;
    if (arg == "--platform" && value(platform)) continue;
    if (arg == "--machine" && value(machine)) continue;
    if (arg == "--images" && value(images)) continue;
    if (arg == "--list") { list = true; continue; }
    return usage();
  }
  if (file.empty()) return usage();
  std::vector<Scenario> scenarios;
  std::string error;
  if (!parse_scenario_file(file, scenarios, error)) {
    std::fprintf(stderr, "%s\n", error.c_str());
    return 2;
  }
  if (list) {
    for (const auto& s : scenarios) std::printf("%s\n", s.name.c_str());
    return 0;
  }
  if (tessera.empty() || name.empty()) return usage();
  if (platform != "hosted" && platform != "vm") {
    std::fprintf(stderr, "unknown platform '%s' (this build knows: hosted, vm)\n", platform.c_str());
    return 2;
  }
  const Scenario* scenario = nullptr;
  for (const auto& s : scenarios)
    if (s.name == name) scenario = &s;
  if (!scenario) {
    std::fprintf(stderr, "%s: no scenario named '%s'\n", file.c_str(), name.c_str());
    return 2;
  }

  bool wanted = false;
  for (const auto& p : scenario->platforms) wanted = wanted || p == platform;
  if (!wanted) {
    std::printf("scenario %s skipped on %s (it runs on:", name.c_str(), platform.c_str());
    for (const auto& p : scenario->platforms) std::printf(" %s", p.c_str());
    std::printf("; see %s line %d)\n", file.c_str(), scenario->line_number);
    return kSkipped;
  }

  auto build_command = [&](const std::string& on) {
    std::vector<std::string> command{tessera, "run"};
    if (on == "vm") {
      command.insert(command.end(), {"--platform", "qemu"});
      if (!machine.empty()) command.insert(command.end(), {"--machine", machine});
    }
    // @IMAGES@ in a run: line is the folder of the images built for the scenarios.
    for (std::string argument : scenario->run_arguments) {
      for (size_t at; (at = argument.find("@IMAGES@")) != std::string::npos;) argument.replace(at, 8, images);
      command.push_back(argument);
    }
    return command;
  };
  auto run_on = [&](const std::string& on) {
    auto command = build_command(on);
    std::optional<std::regex> interrupt;
    if (scenario->interrupt_when) interrupt.emplace(scenario->interrupt_when->regex);
    auto result = run_process(command, scenario->timeout_seconds, [&](const std::string& line) {
      return interrupt && std::regex_search(line, *interrupt);
    });
    std::string shown;
    for (const auto& word : command) shown += (shown.empty() ? "" : " ") + word;
    std::printf("$ %s\n%s", shown.c_str(), result.output.c_str());
    return result;
  };

  auto result = run_on(platform);
  std::vector<std::string> failures;
  if (!result.started) failures.push_back("could not start: " + result.error);
  if (result.timed_out)
    failures.push_back("timed out after " + std::to_string(scenario->timeout_seconds) + " s (killed)");
  else if (result.signal)
    failures.push_back(std::string("ended by signal ") + strsignal(result.signal) + ", expected status " +
                       std::to_string(scenario->status));
  else if (result.exit_status != scenario->status)
    failures.push_back("exit status " + std::to_string(result.exit_status) + ", expected " +
                       std::to_string(scenario->status));

  // Parity: away from hosted, the same scenario runs hosted too and the two outputs must
  // match line for line, apart from log timestamps and lines marked platform-specific.
  bool runs_hosted = false;
  for (const auto& p : scenario->platforms) runs_hosted = runs_hosted || p == "hosted";
  if (platform != "hosted" && runs_hosted) {
    auto reference = run_on("hosted");
    auto ours = comparable_lines(result.output, scenario->platform_specific);
    auto theirs = comparable_lines(reference.output, scenario->platform_specific);
    for (size_t i = 0; i < std::max(ours.size(), theirs.size()); ++i) {
      const std::string& a = i < ours.size() ? ours[i] : "(no line)";
      const std::string& b = i < theirs.size() ? theirs[i] : "(no line)";
      if (a != b) {
        failures.push_back("output differs from hosted at compared line " + std::to_string(i + 1) + ":\n      " +
                           platform + ": " + a + "\n      hosted: " + b);
        break;
      }
    }
    if (reference.exit_status != result.exit_status)
      failures.push_back("exit status " + std::to_string(result.exit_status) + " differs from hosted's " +
                         std::to_string(reference.exit_status));
  }

  auto lines = split_lines(result.output);
  size_t next = 0;
  for (const auto& pattern : scenario->expect) {
    std::regex regex(pattern.regex);
    size_t at = next;
    while (at < lines.size() && !std::regex_search(lines[at], regex)) ++at;
    if (at == lines.size()) {
      failures.push_back("line " + std::to_string(pattern.line_number) + ": no output line matches /" +
                         pattern.regex + "/ after output line " + std::to_string(next));
    } else {
      next = at + 1;
    }
  }
  for (const auto& pattern : scenario->reject) {
    std::regex regex(pattern.regex);
    for (size_t i = 0; i < lines.size(); ++i)
      if (std::regex_search(lines[i], regex))
        failures.push_back("line " + std::to_string(pattern.line_number) + ": output line " + std::to_string(i + 1) +
                           " matches rejected /" + pattern.regex + "/: " + lines[i]);
  }
  if (failures.empty()) {
    std::printf("scenario %s passed on %s\n", name.c_str(), platform.c_str());
    return 0;
  }
  std::printf("scenario %s FAILED on %s:\n", name.c_str(), platform.c_str());
  for (const auto& f : failures) std::printf("  - %s\n", f.c_str());
  return 1;
}
