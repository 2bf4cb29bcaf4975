#include "tessera/gdb_launcher.hh"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

#include <tessera/exit_status.hh>

namespace tessera::cli {
namespace {

std::filesystem::path executable() {
  std::error_code error;
  return std::filesystem::read_symlink("/proc/self/exe", error);
}

std::string find_in_path(const std::string& program) {
  const char* path = std::getenv("PATH");
  std::string directories = path ? path : "/usr/bin:/bin";
  size_t start = 0;
  while (start <= directories.size()) {
    size_t end = directories.find(':', start);
    if (end == std::string::npos) end = directories.size();
    std::filesystem::path candidate = std::filesystem::path(directories.substr(start, end - start)) / program;
    if (access(candidate.c_str(), X_OK) == 0) return candidate.string();
    start = end + 1;
  }
  return {};
}

std::string quoted(const std::string& word) {
  if (word.find_first_of(" '\"\\$`") == std::string::npos && !word.empty()) return word;
  std::string out = "'";
  for (char c : word) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// The gdb words every session starts with; empty when gdb or the extension is missing
// (the error is logged).
std::vector<std::string> gdb_prefix(const RunOptions& options) {
  auto log = spdlog::get("tessera");
  std::string gdb = find_in_path("gdb");
  if (gdb.empty()) {
    log->error("--gdb needs gdb, which is not on PATH (Debian: apt-get install gdb)");
    return {};
  }
  auto extension = executable().parent_path() / "tessera_gdb.py";
  if (!std::filesystem::exists(extension)) {
    log->error("--gdb: the gdb extension {} is missing (rebuild tessera)", extension.string());
    return {};
  }
  std::vector<std::string> words{gdb, "-q", "-nx", "-iex", "set pagination off", "-x", extension.string()};
  if (!options.gdb_batch.empty()) words.insert(words.end(), {"-batch"});
  return words;
}

void print_command(const std::vector<std::string>& words) {
  std::string line;
  for (const auto& word : words) line += (line.empty() ? "" : " ") + quoted(word);
  spdlog::get("tessera")->info("running: {}", line);
}

[[noreturn]] void exec(const std::vector<std::string>& words) {
  std::vector<char*> argv;
  for (const auto& word : words) argv.push_back(const_cast<char*>(word.c_str()));
  argv.push_back(nullptr);
  execv(argv[0], argv.data());
  spdlog::get("tessera")->error("cannot run {}: {}", words[0], std::strerror(errno));
  _exit(exit_status::kOsError);
}

// `tessera run` again, as the user asked for it minus the gdb options.
std::vector<std::string> run_words(const RunOptions& options) {
  std::vector<std::string> words{executable().string(), "run"};
  if (!options.image.empty()) words.push_back(options.image);
  if (options.no_image) words.push_back("--no-image");
  words.insert(words.end(), {"--memory", options.memory});
  if (!options.log_level.empty()) words.insert(words.end(), {"--log-level", options.log_level});
  if (!options.log_file.empty()) words.insert(words.end(), {"--log-file", options.log_file});
  for (const auto& network : options.networks) words.insert(words.end(), {"--net", network});
  // A replay under gdb follows the recorded run exactly: the way to debug a rare one.
  if (!options.record.empty()) words.insert(words.end(), {"--record", options.record});
  if (!options.replay.empty()) words.insert(words.end(), {"--replay", options.replay});
  if (!options.kernel_words.empty()) {
    words.push_back("--");
    words.insert(words.end(), options.kernel_words.begin(), options.kernel_words.end());
  }
  return words;
}

int free_local_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  int port = 0;
  if (fd >= 0 && bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0)
    port = ntohs(address.sin_port);
  if (fd >= 0) close(fd);
  return port;
}

}  // namespace

int run_hosted_under_gdb(const RunOptions& options) {
  auto words = gdb_prefix(options);
  if (words.empty()) return exit_status::kOsError;
  if (!options.gdb_batch.empty()) words.insert(words.end(), {"-x", options.gdb_batch});
  words.push_back("--args");
  auto run = run_words(options);
  words.insert(words.end(), run.begin(), run.end());
  print_command(words);
  exec(words);
}

int run_qemu_under_gdb(const RunOptions& options, QemuConfig config) {
  auto log = spdlog::get("tessera");
  auto words = gdb_prefix(options);
  if (words.empty()) return exit_status::kOsError;
  config.gdb_port = free_local_port();
  if (config.gdb_port == 0) {
    log->error("--gdb: no free local TCP port for QEMU's gdbstub");
    return exit_status::kOsError;
  }
  // The kernel's symbols before the extension, which sets its breakpoint in them.
  words.insert(words.begin() + 5, {"-ex", "file " + config.kernel_path});
  words.insert(words.end(), {"-ex", "tessera connect 127.0.0.1:" + std::to_string(config.gdb_port)});
  if (!options.gdb_batch.empty()) words.insert(words.end(), {"-x", options.gdb_batch});
  print_command(words);

  pid_t qemu = fork();
  if (qemu < 0) {
    log->error("--gdb: fork failed: {}", std::strerror(errno));
    return exit_status::kOsError;
  }
  if (qemu == 0) _exit(run_qemu(config));
  // gdb connects when the gdbstub listens: `tessera connect` retries while QEMU starts.
  pid_t gdb = fork();
  if (gdb == 0) exec(words);
  int gdb_status = 0, qemu_status = 0;
  waitpid(gdb, &gdb_status, 0);
  // gdb's `kill` ends QEMU; quitting gdb without it lets the guest run to its end, but a
  // guest still halted for a gdb that never came (or left) must not keep tessera waiting.
  bool exited = false;
  for (int tenth = 0; tenth < 300 && !exited; ++tenth) {
    exited = waitpid(qemu, &qemu_status, WNOHANG) == qemu;
    if (!exited) usleep(100'000);
  }
  if (!exited) {
    log->warn("--gdb: gdb is gone and the guest has not finished in 30 s: stopping QEMU");
    kill(qemu, SIGTERM);
    waitpid(qemu, &qemu_status, 0);
  }
  return WIFEXITED(qemu_status) ? WEXITSTATUS(qemu_status) : exit_status::kOsError;
}

}  // namespace tessera::cli
