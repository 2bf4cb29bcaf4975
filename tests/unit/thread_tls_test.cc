// Guest thread-local storage on the hosted "window" design: the executable's own TLS
// block (where these __thread variables live) holds the running guest thread's values
// and is swapped on every switch. Also the stack-protector canary every thread shares.
#include <cstring>
#include <vector>

#include <gtest/gtest.h>

#include "arch/x86_64/context.hh"
#include "fake_platform/fake_platform.hh"
#include "sched/scheduler.hh"
#include "sched/thread.hh"

// In .tdata (an initial image to copy) and .tbss (zeroed), in this executable's block.
__thread int tls_value = 7;
__thread int tls_zeroed;
__thread char tls_text[24] = "initial";

// Test executables are not built with -fstack-protector-strong, so the functions that
// exercise it ask for it themselves (GCC can; clang has no per-function switch).
#if defined(__GNUC__) && !defined(__clang__)
#define TEST_STACK_PROTECT __attribute__((optimize("stack-protector-strong"), noinline))
constexpr bool kHaveStackProtector = true;
#else
#define TEST_STACK_PROTECT __attribute__((noinline))
constexpr bool kHaveStackProtector = false;
#endif

#if defined(__SANITIZE_ADDRESS__)
#define TEST_WITH_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TEST_WITH_ASAN 1
#endif
#endif
#if defined(TEST_WITH_ASAN)
constexpr bool kWithAsan = true;
#else
constexpr bool kWithAsan = false;
#endif

namespace tessera {
namespace {

class ThreadTlsTest : public ::testing::Test {
 protected:
  void SetUp() override { fake::boot_core(ram_); }

  static Thread* spawn(const char* name, Thread::Entry entry, void* argument) {
    auto created = Thread::try_create(name, entry, argument);
    EXPECT_TRUE(created.is_ok()) << (created.is_ok() ? "" : created.error().message());
    return created.is_ok() ? created.value() : nullptr;
  }

  fake::Ram ram_{16 << 20};
};

TEST_F(ThreadTlsTest, EveryBootStartsMainFromTheTemplate) {
  EXPECT_EQ(tls_value, 7);
  EXPECT_EQ(tls_zeroed, 0);
  EXPECT_STREQ(tls_text, "initial");
  tls_value = 42;
  tls_zeroed = 3;
  std::strcpy(tls_text, "changed");
  fake::boot_core(ram_);
  EXPECT_EQ(tls_value, 7);
  EXPECT_EQ(tls_zeroed, 0);
  EXPECT_STREQ(tls_text, "initial");
}

struct Snapshot {
  int value = -1;
  int zeroed = -1;
  char text[24] = {};
};

TEST_F(ThreadTlsTest, NewThreadsStartFromTheTemplateNotFromTheirCreator) {
  tls_value = 1234;
  tls_zeroed = 99;
  std::strcpy(tls_text, "main's");
  Snapshot seen;
  Thread* thread = spawn("fresh", [](void* argument) {
    auto& s = *static_cast<Snapshot*>(argument);
    s.value = tls_value;
    s.zeroed = tls_zeroed;
    std::memcpy(s.text, tls_text, sizeof(s.text));
    tls_value = -5;
  }, &seen);
  ASSERT_TRUE(thread->join().is_ok());
  EXPECT_EQ(seen.value, 7);
  EXPECT_EQ(seen.zeroed, 0);
  EXPECT_STREQ(seen.text, "initial");
  EXPECT_EQ(tls_value, 1234) << "main's value must survive the other thread's writes";
  EXPECT_EQ(tls_zeroed, 99);
  EXPECT_STREQ(tls_text, "main's");
}

struct Worker {
  int number;
  int mismatches = 0;
  int final_value = 0;
};

void keep_own_value(void* argument) {
  auto& w = *static_cast<Worker*>(argument);
  tls_value = w.number * 1000;
  for (int round = 0; round < 200; ++round) {
    Scheduler::yield();
    if (tls_value != w.number * 1000 + round) ++w.mismatches;
    ++tls_value;
  }
  w.final_value = tls_value;
}

TEST_F(ThreadTlsTest, EachThreadKeepsItsOwnValueAcrossManySwitches) {
  std::vector<Worker> workers{{1}, {2}, {3}, {4}};
  std::vector<Thread*> threads;
  for (auto& worker : workers) threads.push_back(spawn("tls", keep_own_value, &worker));
  tls_value = -1;
  for (int round = 0; round < 50; ++round) {
    Scheduler::yield();
    EXPECT_EQ(tls_value, -1 - round);
    --tls_value;
  }
  for (Thread* thread : threads) ASSERT_TRUE(thread->join().is_ok());
  for (auto& worker : workers) {
    EXPECT_EQ(worker.mismatches, 0) << "worker " << worker.number;
    EXPECT_EQ(worker.final_value, worker.number * 1000 + 200);
  }
  EXPECT_GT(Scheduler::stats().context_switches, 800u);
}

struct ControlBlockCheck {
  uint64_t canary = 0;
  uintptr_t self = 0;
  uint64_t tcb_canary = 0;
  uintptr_t thread_pointer = 0;
};

void inspect_control_block(void* argument) {
  auto& c = *static_cast<ControlBlockCheck*>(argument);
  Scheduler::yield();
  c.canary = arch::read_stack_canary();
  c.thread_pointer = Thread::current()->thread_pointer();
  c.self = *reinterpret_cast<const uintptr_t*>(c.thread_pointer);
  c.tcb_canary = *reinterpret_cast<const uint64_t*>(c.thread_pointer + 0x28);
}

TEST_F(ThreadTlsTest, CanaryIsTheSameNonZeroValueInEveryThread) {
  uint64_t main_canary = arch::read_stack_canary();
  EXPECT_NE(main_canary, 0u);
  ControlBlockCheck checks[3];
  std::vector<Thread*> threads;
  for (auto& check : checks) threads.push_back(spawn("canary", inspect_control_block, &check));
  for (Thread* thread : threads) ASSERT_TRUE(thread->join().is_ok());
  uintptr_t previous_tp = Thread::current()->thread_pointer();
  for (auto& check : checks) {
    EXPECT_EQ(check.canary, main_canary);
    // Each thread's own control block: self pointer at 0, the canary copy at 0x28.
    EXPECT_EQ(check.self, check.thread_pointer);
    EXPECT_EQ(check.tcb_canary, main_canary);
    EXPECT_NE(check.thread_pointer, previous_tp);
    EXPECT_EQ(check.thread_pointer % fake::tls_template().alignment, 0u);
    previous_tp = check.thread_pointer;
  }
}

TEST_STACK_PROTECT int checksum_across_yields(int seed) {
  char buffer[64];
  for (size_t i = 0; i < sizeof(buffer); ++i) buffer[i] = static_cast<char>(seed + i);
  Scheduler::yield();  // the frame (and its canary) sits on a guest stack meanwhile
  Scheduler::yield();
  int sum = 0;
  for (char c : buffer) sum += c;
  return sum;
}

TEST_F(ThreadTlsTest, StackProtectedFunctionsWorkOnGuestStacks) {
  struct Result {
    int seed;
    int sum = 0;
  } results[3] = {{1}, {2}, {3}};
  std::vector<Thread*> threads;
  for (auto& result : results)
    threads.push_back(spawn("protected", [](void* argument) {
      auto& r = *static_cast<Result*>(argument);
      r.sum = checksum_across_yields(r.seed);
    }, &result));
  int main_sum = checksum_across_yields(10);
  for (Thread* thread : threads) ASSERT_TRUE(thread->join().is_ok());
  auto expected = [](int seed) {
    int sum = 0;
    for (int i = 0; i < 64; ++i) sum += static_cast<char>(seed + i);
    return sum;
  };
  for (auto& result : results) EXPECT_EQ(result.sum, expected(result.seed));
  EXPECT_EQ(main_sum, expected(10));
}

void* (*volatile opaque_memset)(void*, int, size_t) = std::memset;

TEST_STACK_PROTECT void smash_own_frame() {
  char buffer[16];
  Scheduler::yield();
  opaque_memset(buffer, 'x', 64);
}

TEST_F(ThreadTlsTest, SmashedGuestStackIsDetected) {
  if (!kHaveStackProtector) GTEST_SKIP() << "this compiler cannot enable the stack protector per function";
  EXPECT_DEATH(
      {
        Thread* thread = spawn("smasher", [](void*) { smash_own_frame(); }, nullptr);
        (void)thread->join();
      },
      // AddressSanitizer sees the overflowing write before the canary check would.
      kWithAsan ? "stack-buffer-overflow" : "stack smashing detected");
}

}  // namespace
}  // namespace tessera
