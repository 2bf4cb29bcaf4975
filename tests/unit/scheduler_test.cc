// The cooperative scheduler on the fake platform: time moves only when every thread
// waits, so orders and wake-up times are exact.
#include <csignal>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "fake_platform/fake_platform.hh"
#include "mm/heap.hh"
#include "mm/page_allocator.hh"
#include "sched/scheduler.hh"
#include "sched/thread.hh"
#include "sched/wait_queue.hh"

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

constexpr uint64_t kMillisecond = 1'000'000;

class SchedulerTest : public ::testing::Test {
 protected:
  void SetUp() override { fake::boot_core(ram_); }

  Thread* spawn(const char* name, Thread::Entry entry, void* argument, size_t stack = Thread::kDefaultStackSize) {
    auto created = Thread::try_create(name, entry, argument, stack);
    EXPECT_TRUE(created.is_ok()) << (created.is_ok() ? "" : created.error().message());
    return created.is_ok() ? created.value() : nullptr;
  }
  static void join(Thread* thread) {
    auto joined = thread->join();
    EXPECT_TRUE(joined.is_ok()) << (joined.is_ok() ? "" : joined.error().message());
  }

  fake::Ram ram_{32 << 20};
};

struct Trace {
  std::vector<std::string> events;
};

struct Yielder {
  Trace* trace;
  const char* name;
  int rounds;
};

void yield_rounds(void* argument) {
  auto& y = *static_cast<Yielder*>(argument);
  for (int round = 0; round < y.rounds; ++round) {
    y.trace->events.push_back(std::string(y.name) + std::to_string(round));
    Scheduler::yield();
  }
}

TEST_F(SchedulerTest, MainIsThreadOneAndRunning) {
  Thread* main = Thread::current();
  ASSERT_NE(main, nullptr);
  EXPECT_EQ(main->id(), 1u);
  EXPECT_STREQ(main->name(), "main");
  EXPECT_EQ(main->state(), Thread::State::kRunning);
  EXPECT_NE(main->thread_pointer(), 0u);
  EXPECT_EQ(Scheduler::stats().live_threads, 1u);
  EXPECT_EQ(Scheduler::stats().context_switches, 0u);
  // The boot stack is the calling host thread's: this frame lies inside it.
  auto here = reinterpret_cast<uintptr_t>(__builtin_frame_address(0));
  EXPECT_GE(here, main->stack().low);
  EXPECT_LT(here, main->stack().high);
}

TEST_F(SchedulerTest, YieldRunsThreadsInFifoOrder) {
  Trace trace;
  Yielder a{&trace, "a", 3}, b{&trace, "b", 3}, c{&trace, "c", 3};
  Thread* ta = spawn("a", yield_rounds, &a);
  Thread* tb = spawn("b", yield_rounds, &b);
  Thread* tc = spawn("c", yield_rounds, &c);
  EXPECT_TRUE(trace.events.empty()) << "creating a thread must not run it";
  // main takes its turn in the rotation too.
  trace.events.push_back("main");
  Scheduler::yield();
  trace.events.push_back("main");
  join(ta);
  join(tb);
  join(tc);
  EXPECT_EQ(trace.events, (std::vector<std::string>{"main", "a0", "b0", "c0", "main", "a1", "b1", "c1", "a2", "b2",
                                                    "c2"}));
  EXPECT_EQ(Scheduler::stats().live_threads, 1u);
}

TEST_F(SchedulerTest, YieldWithNothingElseRunnableReturnsAtOnce) {
  Scheduler::yield();
  Scheduler::yield();
  EXPECT_EQ(Scheduler::stats().context_switches, 0u);
  EXPECT_EQ(fake::idle_count(), 0u);
}

TEST_F(SchedulerTest, ThreadNamesAreTruncatedAndIdsIncrease) {
  static int dummy;
  Thread* t1 = spawn("a-rather-long-thread-name-that-does-not-fit", [](void*) {}, &dummy);
  Thread* t2 = spawn(nullptr, [](void*) {}, &dummy);
  EXPECT_EQ(std::string(t1->name()), std::string("a-rather-long-thread-name-that-does-not-fit").substr(0, 31));
  EXPECT_STREQ(t2->name(), "");
  EXPECT_EQ(t1->id(), 2u);
  EXPECT_EQ(t2->id(), 3u);
  EXPECT_EQ(t1->state(), Thread::State::kRunnable);
  join(t1);
  join(t2);
}

TEST_F(SchedulerTest, CreateRejectsBadArguments) {
  auto no_entry = Thread::try_create("x", nullptr, nullptr);
  ASSERT_TRUE(no_entry.is_error());
  EXPECT_EQ(no_entry.error().code(), kEINVAL);
  auto no_stack = Thread::try_create("tiny", [](void*) {}, nullptr, 0);
  ASSERT_TRUE(no_stack.is_error());
  EXPECT_EQ(no_stack.error().code(), kEINVAL);
  EXPECT_NE(std::string(no_stack.error().message()).find("tiny"), std::string::npos);
}

TEST_F(SchedulerTest, CreateFailsWithEnomemWhenTheStackDoesNotFit) {
  auto before = page_allocator().stats();
  auto huge = Thread::try_create("huge", [](void*) {}, nullptr, size_t{1} << 30);
  ASSERT_TRUE(huge.is_error());
  EXPECT_EQ(huge.error().code(), kENOMEM);
  EXPECT_NE(std::string(huge.error().message()).find("huge"), std::string::npos) << huge.error().message();
  EXPECT_EQ(page_allocator().stats().free_pages, before.free_pages);
  EXPECT_EQ(Scheduler::stats().live_threads, 1u);
}

struct Sleeper {
  uint64_t duration;
  std::vector<std::pair<uint64_t, uint64_t>>* wakes;  // (duration, time woken)
};

void sleep_then_record(void* argument) {
  auto& s = *static_cast<Sleeper*>(argument);
  Scheduler::sleep_for(s.duration);
  s.wakes->push_back({s.duration, fake::now_ns()});
}

TEST_F(SchedulerTest, SleepersWakeInDeadlineOrderAtExactlyTheirDeadline) {
  std::vector<std::pair<uint64_t, uint64_t>> wakes;
  Sleeper s30{30 * kMillisecond, &wakes}, s10{10 * kMillisecond, &wakes}, s20{20 * kMillisecond, &wakes};
  Thread* threads[] = {spawn("s30", sleep_then_record, &s30), spawn("s10", sleep_then_record, &s10),
                       spawn("s20", sleep_then_record, &s20)};
  for (Thread* thread : threads) join(thread);
  ASSERT_EQ(wakes.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(wakes[i].first, (i + 1) * 10 * kMillisecond);
    EXPECT_EQ(wakes[i].second, wakes[i].first) << "woke late or early";
  }
  EXPECT_EQ(fake::idle_count(), 3u);
  EXPECT_EQ(Scheduler::stats().idle_waits, 3u);
}

TEST_F(SchedulerTest, MainSleepsUntilAnAbsoluteDeadline) {
  fake::advance_ns(5 * kMillisecond);
  Scheduler::sleep_until(12 * kMillisecond);
  EXPECT_EQ(fake::now_ns(), 12 * kMillisecond);
  Scheduler::sleep_for(3 * kMillisecond);
  EXPECT_EQ(fake::now_ns(), 15 * kMillisecond);
  // A deadline already past behaves like a yield: no idle wait, no time passes.
  Scheduler::sleep_until(1 * kMillisecond);
  EXPECT_EQ(fake::now_ns(), 15 * kMillisecond);
  EXPECT_EQ(fake::idle_count(), 2u);
}

struct NumberedSleeper {
  int number;
  std::vector<std::pair<int, uint64_t>>* wakes;  // (number, time woken)
};

TEST_F(SchedulerTest, EqualDeadlinesWakeInSleepOrder) {
  std::vector<std::pair<int, uint64_t>> wakes;
  NumberedSleeper sleepers[4] = {{0, &wakes}, {1, &wakes}, {2, &wakes}, {3, &wakes}};
  std::vector<Thread*> threads;
  for (auto& sleeper : sleepers)
    threads.push_back(spawn("same", [](void* argument) {
      auto& s = *static_cast<NumberedSleeper*>(argument);
      Scheduler::sleep_until(1 * kMillisecond);
      s.wakes->push_back({s.number, fake::now_ns()});
    }, &sleeper));
  for (Thread* thread : threads) join(thread);
  EXPECT_EQ(wakes, (std::vector<std::pair<int, uint64_t>>{
                       {0, kMillisecond}, {1, kMillisecond}, {2, kMillisecond}, {3, kMillisecond}}));
  EXPECT_EQ(fake::idle_count(), 1u) << "one deadline, one idle wait";
}

struct Flag {
  bool done = false;
};

TEST_F(SchedulerTest, JoinWaitsForTheThreadAndFreesIt) {
  size_t heap_before = heap().stats().bytes_in_use;
  size_t pages_before = page_allocator().stats().free_pages;
  Flag flag;
  Thread* worker = spawn("worker", [](void* argument) {
    Scheduler::sleep_for(7 * kMillisecond);
    static_cast<Flag*>(argument)->done = true;
  }, &flag);
  EXPECT_LT(page_allocator().stats().free_pages, pages_before);
  EXPECT_EQ(Scheduler::stats().live_threads, 2u);
  join(worker);
  EXPECT_TRUE(flag.done);
  EXPECT_EQ(fake::now_ns(), 7 * kMillisecond);
  EXPECT_EQ(Scheduler::stats().live_threads, 1u);
  EXPECT_EQ(heap().stats().bytes_in_use, heap_before);
  EXPECT_EQ(page_allocator().stats().free_pages, pages_before);
}

TEST_F(SchedulerTest, FinishedThreadsStackIsFreedBeforeJoin) {
  size_t pages_before = page_allocator().stats().free_pages;
  Flag flag;
  Thread* worker = spawn("quick", [](void* argument) { static_cast<Flag*>(argument)->done = true; }, &flag);
  Scheduler::yield();  // it runs, finishes, and we run again: its stack is back already
  EXPECT_TRUE(flag.done);
  EXPECT_EQ(worker->state(), Thread::State::kFinished);
  EXPECT_EQ(page_allocator().stats().free_pages, pages_before);
  EXPECT_EQ(Scheduler::stats().live_threads, 2u) << "unjoined threads stay on the books";
  join(worker);
  EXPECT_EQ(Scheduler::stats().live_threads, 1u);
}

TEST_F(SchedulerTest, ExitCurrentEndsTheThreadEarly) {
  Flag flag;
  Thread* worker = spawn("exiter", [](void* argument) {
    Scheduler::exit_current();
    static_cast<Flag*>(argument)->done = true;
  }, &flag);
  join(worker);
  EXPECT_FALSE(flag.done);
}

TEST_F(SchedulerTest, JoiningOneselfIsEdeadlk) {
  auto joined = Thread::current()->join();
  ASSERT_TRUE(joined.is_error());
  EXPECT_EQ(joined.error().code(), kEDEADLK);

  struct Result {
    int code = 0;
  } result;
  Thread* worker = spawn("self-joiner", [](void* argument) {
    auto self = Thread::current()->join();
    static_cast<Result*>(argument)->code = self.is_error() ? self.error().code() : 0;
  }, &result);
  join(worker);
  EXPECT_EQ(result.code, kEDEADLK);
}

struct JoinRace {
  Thread* target = nullptr;
  bool first_joined = false;
};

TEST_F(SchedulerTest, SecondJoinerGetsEinval) {
  JoinRace race;
  race.target = spawn("target", [](void*) { Scheduler::sleep_for(5 * kMillisecond); }, nullptr);
  Thread* first = spawn("first-joiner", [](void* argument) {
    auto& r = *static_cast<JoinRace*>(argument);
    r.first_joined = r.target->join().is_ok();
  }, &race);
  Scheduler::yield();  // target starts sleeping, first-joiner starts waiting in join
  EXPECT_EQ(first->state(), Thread::State::kBlocked);
  EXPECT_STREQ(first->wait_reason(), "join");
  auto second = race.target->join();
  ASSERT_TRUE(second.is_error());
  EXPECT_EQ(second.error().code(), kEINVAL);
  EXPECT_NE(std::string(second.error().message()).find("target"), std::string::npos);
  join(first);
  EXPECT_TRUE(race.first_joined);
}

TEST_F(SchedulerTest, ThreadsHaveTheirOwnErrno) {
  Thread::current()->errno_value() = 5;
  int seen = -1;
  Thread* worker = spawn("errno", [](void* argument) {
    *static_cast<int*>(argument) = Thread::current()->errno_value();
    Thread::current()->errno_value() = 99;
  }, &seen);
  join(worker);
  EXPECT_EQ(seen, 0);
  EXPECT_EQ(Thread::current()->errno_value(), 5);
}

TEST_F(SchedulerTest, ForEachThreadVisitsEveryThreadWithItsState) {
  WaitQueue never;
  Thread* blocked = spawn("blocked", [](void* argument) { static_cast<WaitQueue*>(argument)->wait("test queue"); },
                          &never);
  Scheduler::yield();
  std::vector<std::string> seen;
  Scheduler::for_each_thread([](Thread& thread, void* context) {
    static_cast<std::vector<std::string>*>(context)->push_back(std::string(thread.name()) + ":" +
                                                               thread.wait_reason());
  }, &seen);
  EXPECT_EQ(seen, (std::vector<std::string>{"main:", "blocked:test queue"}));
  EXPECT_EQ(blocked->state(), Thread::State::kBlocked);
  never.wake_all();
  join(blocked);
}

TEST_F(SchedulerTest, ManyThreadsComeAndGoWithoutLeaking) {
  constexpr int kBatch = 100;
  int counter = 0;
  auto run_batch = [&] {
    std::vector<Thread*> threads;
    for (int i = 0; i < kBatch; ++i)
      threads.push_back(spawn("many", [](void* argument) {
        Scheduler::yield();
        ++*static_cast<int*>(argument);
      }, &counter));
    for (Thread* thread : threads) join(thread);
  };
  // One batch first, so the heap's size classes hold the pages they need from then on.
  run_batch();
  heap().flush_quarantine();  // ASan's quarantine holds freed blocks' slabs
  size_t free_pages = page_allocator().stats().free_pages;
  size_t heap_bytes = heap().stats().bytes_in_use;
  for (int batch = 0; batch < 10; ++batch) run_batch();
  EXPECT_EQ(counter, 11 * kBatch);
  heap().flush_quarantine();
  EXPECT_EQ(page_allocator().stats().free_pages, free_pages);
  EXPECT_EQ(heap().stats().bytes_in_use, heap_bytes);
  EXPECT_EQ(Scheduler::stats().live_threads, 1u);
}

TEST_F(SchedulerTest, ContextSwitchesAreCounted) {
  Thread* worker = spawn("y", [](void*) {
    for (int i = 0; i < 4; ++i) Scheduler::yield();
  }, nullptr);
  for (int i = 0; i < 4; ++i) Scheduler::yield();
  join(worker);
  // Every hand-over counts once: 4 yields each way, then main -> y at join, y -> main at exit.
  EXPECT_EQ(Scheduler::stats().context_switches, 10u);
}

void device_wakes(platform::EventMask events, void* context) {
  auto* queue = static_cast<WaitQueue*>(context);
  EXPECT_EQ(events, platform::event::device_line(3));
  queue->wake_all();
}

TEST_F(SchedulerTest, IdleLoopDispatchesDeviceEventsToHandlers) {
  WaitQueue queue;
  Scheduler::set_event_handler(platform::event::device_line(3), device_wakes, &queue);
  fake::raise_events(platform::event::device_line(3));
  queue.wait("device");  // nothing else runs: the idle loop takes the event and wakes us
  EXPECT_EQ(Scheduler::stats().idle_waits, 1u);
  EXPECT_EQ(fake::now_ns(), 0u);
  Scheduler::set_event_handler(platform::event::device_line(3), nullptr, nullptr);
}

struct Spinner {
  bool stop = false;
  int handled = 0;
};

TEST_F(SchedulerTest, BusyThreadsStillSeeEvents) {
  Spinner spinner;
  Scheduler::set_event_handler(platform::event::device_line(0), [](platform::EventMask, void* context) {
    auto& s = *static_cast<Spinner*>(context);
    ++s.handled;
    s.stop = true;
  }, &spinner);
  Thread* worker = spawn("spinner", [](void* argument) {
    auto& s = *static_cast<Spinner*>(argument);
    while (!s.stop) Scheduler::yield();
  }, &spinner);
  fake::raise_events(platform::event::device_line(0));
  int rounds = 0;
  while (!spinner.stop && rounds < 100000) {
    Scheduler::yield();
    ++rounds;
  }
  EXPECT_EQ(spinner.handled, 1);
  EXPECT_EQ(Scheduler::stats().idle_waits, 0u);
  join(worker);
  Scheduler::set_event_handler(platform::event::device_line(0), nullptr, nullptr);
}

// --- Death tests ----------------------------------------------------------------------

void wait_forever(void* argument) { static_cast<WaitQueue*>(argument)->wait("nothing"); }

TEST_F(SchedulerTest, DeadlockPanicsNamingEveryThread) {
  EXPECT_EXIT(
      {
        WaitQueue nobody;
        Thread* stuck = spawn("stuck", wait_forever, &nobody);
        (void)stuck->join();
      },
      ::testing::ExitedWithCode(70), "deadlock: all 2 threads blocked: main on join, stuck on nothing");
}

TEST_F(SchedulerTest, ShutdownHandlerAloneDoesNotHideADeadlock) {
  EXPECT_EXIT(
      {
        Scheduler::set_event_handler(platform::event::kShutdownRequest, [](platform::EventMask, void*) {}, nullptr);
        WaitQueue nobody;
        nobody.wait("forever");
      },
      ::testing::ExitedWithCode(70), "deadlock: all 1 threads blocked: main on forever");
}

TEST_F(SchedulerTest, MainThreadCannotExit) {
  EXPECT_EXIT(Scheduler::exit_current(), ::testing::ExitedWithCode(70), "main thread cannot exit");
}

__attribute__((noinline)) int recurse(volatile char* previous, int depth) {
  volatile char frame[512];
  frame[0] = static_cast<char>(depth);
  frame[511] = previous ? previous[0] : 0;
  return recurse(frame, depth + 1) + frame[100];
}

TEST_F(SchedulerTest, StackOverflowHitsTheGuardPage) {
  auto overflow = [this] {
    Thread* thread = spawn("overflow", [](void*) { recurse(nullptr, 0); }, nullptr, 16 * 1024);
    (void)thread->join();
  };
  // AddressSanitizer catches the fault itself and reports it before exiting.
  if (kWithAsan)
    EXPECT_DEATH(overflow(), "stack-overflow");
  else
    EXPECT_EXIT(overflow(), ::testing::KilledBySignal(SIGSEGV), "");
}

TEST_F(SchedulerTest, GuardPageIsJustBelowTheStack) {
  Thread* worker = spawn("guarded", [](void*) {}, nullptr, 8 * 1024);
  StackBounds stack = worker->stack();
  EXPECT_EQ(stack.high - stack.low, 8u * 1024);
  EXPECT_EQ(stack.low % platform::kPageSize, 0u);
  EXPECT_DEATH(*reinterpret_cast<volatile char*>(stack.low - 1) = 1, "");
  *reinterpret_cast<volatile char*>(stack.low) = 1;  // the stack itself is writable
  join(worker);
}

}  // namespace
}  // namespace tessera
