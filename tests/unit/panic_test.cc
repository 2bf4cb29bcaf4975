// tessera::panic: what it prints and how it ends the boot. The fake platform's exit()
// ends the process with the status and its console also goes to stderr, so death
// tests see both.
#include <tessera/panic.hh>

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <utility>

#include "fake_platform/fake_platform.hh"
#include "log/log.hh"

namespace tessera {
namespace {

// Three distinct, non-inlined frames above panic. Each one asks for its frame address,
// which makes the compiler keep a frame pointer even in optimised builds without
// -fno-omit-frame-pointer, and the asm after each call keeps it from being a tail call.
#define KEEP_FRAME() asm volatile("" : : "r"(__builtin_frame_address(0)) : "memory")
[[gnu::noinline]] void innermost() {
  KEEP_FRAME();
  panic("boom %d in %s", 42, "nested call");
}
[[gnu::noinline]] void middle() {
  KEEP_FRAME();
  innermost();
  asm volatile("" ::: "memory");
}
[[gnu::noinline]] void outermost() {
  KEEP_FRAME();
  middle();
  asm volatile("" ::: "memory");
}

TEST(PanicDeathTest, PrintsMessageRegistersAndBacktraceAndExitsWith70) {
  EXPECT_EXIT(outermost(), testing::ExitedWithCode(70),
              "KERNEL PANIC: boom 42 in nested call\n"
              "registers: rip=0x[0-9a-f]+ rsp=0x[0-9a-f]+ rbp=0x[0-9a-f]+ return=0x[0-9a-f]+\n"
              ".*backtrace.*\n"
              "  #0 0x[0-9a-f]+\n"
              "  #1 0x[0-9a-f]+\n"
              "  #2 0x[0-9a-f]+\n"
              ".*last log lines:");
}

// Runs `body` in a child with stderr captured; returns what it wrote and its exit status.
std::pair<std::string, int> run_captured(void (*body)()) {
  int pipe_fds[2];
  EXPECT_EQ(pipe(pipe_fds), 0);
  pid_t child = fork();
  if (child == 0) {
    dup2(pipe_fds[1], 2);
    close(pipe_fds[0]);
    body();
    _exit(0);
  }
  close(pipe_fds[1]);
  std::string output;
  char chunk[4096];
  for (ssize_t n; (n = read(pipe_fds[0], chunk, sizeof(chunk))) > 0;) output.append(chunk, n);
  close(pipe_fds[0]);
  int status = 0;
  waitpid(child, &status, 0);
  return {output, WIFEXITED(status) ? WEXITSTATUS(status) : -1};
}

uintptr_t frame_address(const std::string& output, int index) {
  std::string label = "  #" + std::to_string(index) + " 0x";
  size_t at = output.find(label);
  if (at == std::string::npos) return 0;
  return std::stoull(output.substr(at + label.size()), nullptr, 16);
}

TEST(PanicTest, FramesAreReturnAddressesInsideEachCaller) {
  auto [output, status] = run_captured(outermost);
  EXPECT_EQ(status, 70);
  const std::pair<int, void (*)()> expected[] = {{0, innermost}, {1, middle}, {2, outermost}};
  for (auto [index, function] : expected) {
    uintptr_t frame = frame_address(output, index);
    auto start = reinterpret_cast<uintptr_t>(function);
    // Each function is a few instructions; the call site is near its start.
    EXPECT_GT(frame, start) << "#" << index << "\n" << output;
    EXPECT_LE(frame, start + 160) << "#" << index << "\n" << output;
  }
}

TEST(PanicDeathTest, ShowsTheTailOfTheLog) {
  EXPECT_EXIT(
      {
        fake::reset();
        log::reset(0);
        log::set_console_level(log::Level::kError);
        log::debug("quiet detail that only the ring kept");
        fake::advance_ns(2'000'000);
        log::warn("the last thing before the crash");
        panic("assertion failed: %s", "x > 0");
      },
      testing::ExitedWithCode(70),
      "KERNEL PANIC: assertion failed: x > 0\n"
      ".*last log lines:\n"
      "\\[    0.000000\\] quiet detail that only the ring kept\n"
      "\\[    0.002000\\] warning: the last thing before the crash\n");
}

TEST(PanicDeathTest, EmptyLogIsSaidSo) {
  EXPECT_EXIT(
      {
        log::reset(0);
        panic("nothing logged");
      },
      testing::ExitedWithCode(70), "last log lines:\n  \\(log is empty\\)\n");
}

TEST(PanicDeathTest, AssertMacroNamesConditionAndPlace) {
  int value = 3;
  EXPECT_EXIT(TESSERA_ASSERT(value == 4), testing::ExitedWithCode(70),
              "KERNEL PANIC: assertion failed: value == 4 at .*panic_test.cc:[0-9]+\n");
}

void panic_from_signal(int) { panic("fault while formatting"); }

TEST(PanicDeathTest, PanicWhilePanickingExitsAtOnce) {
  // Formatting the outer message touches an inaccessible page; the fault handler
  // panics again, inside the first panic.
  EXPECT_EXIT(
      {
        void* page = mmap(nullptr, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        signal(SIGSEGV, panic_from_signal);
        panic("%s", static_cast<const char*>(page));
      },
      testing::ExitedWithCode(70), "KERNEL PANIC while panicking; exiting\n");
}

}  // namespace
}  // namespace tessera
