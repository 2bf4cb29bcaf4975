// One-shot timers: deadline order, cancel, re-arm, and callbacks that wake threads.
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "fake_platform/fake_platform.hh"
#include "sched/scheduler.hh"
#include "sched/thread.hh"
#include "sched/timer.hh"
#include "sched/wait_queue.hh"

namespace tessera {
namespace {

constexpr uint64_t kMillisecond = 1'000'000;

class TimerTest : public ::testing::Test {
 protected:
  void SetUp() override { fake::boot_core(ram_); }
  fake::Ram ram_{16 << 20};
};

struct Firing {
  std::vector<std::pair<int, uint64_t>>* log;  // (which, time fired)
  int which;
};

void record_firing(void* context) {
  auto& f = *static_cast<Firing*>(context);
  f.log->push_back({f.which, fake::now_ns()});
}

TEST_F(TimerTest, FireInDeadlineOrderAtTheirDeadlines) {
  std::vector<std::pair<int, uint64_t>> log;
  Firing f30{&log, 30}, f10{&log, 10}, f20{&log, 20}, f20b{&log, 21};
  Timer t30, t10, t20, t20b;
  t30.arm(30 * kMillisecond, record_firing, &f30);
  t10.arm(10 * kMillisecond, record_firing, &f10);
  t20.arm(20 * kMillisecond, record_firing, &f20);
  t20b.arm(20 * kMillisecond, record_firing, &f20b);  // same deadline: after t20
  EXPECT_TRUE(t10.is_armed());
  EXPECT_EQ(t10.deadline_ns(), 10 * kMillisecond);
  Scheduler::sleep_for(40 * kMillisecond);
  EXPECT_EQ(log, (std::vector<std::pair<int, uint64_t>>{{10, 10 * kMillisecond},
                                                        {20, 20 * kMillisecond},
                                                        {21, 20 * kMillisecond},
                                                        {30, 30 * kMillisecond}}));
  EXPECT_FALSE(t10.is_armed());
  EXPECT_EQ(fake::now_ns(), 40 * kMillisecond);
}

TEST_F(TimerTest, CancelledTimerNeverFires) {
  std::vector<std::pair<int, uint64_t>> log;
  Firing f{&log, 1}, g{&log, 2};
  Timer cancelled, kept;
  cancelled.arm(5 * kMillisecond, record_firing, &f);
  kept.arm(8 * kMillisecond, record_firing, &g);
  EXPECT_TRUE(cancelled.cancel());
  EXPECT_FALSE(cancelled.cancel());
  EXPECT_FALSE(cancelled.is_armed());
  Scheduler::sleep_for(10 * kMillisecond);
  EXPECT_EQ(log, (std::vector<std::pair<int, uint64_t>>{{2, 8 * kMillisecond}}));
  EXPECT_FALSE(kept.cancel()) << "a fired timer is no longer armed";
}

TEST_F(TimerTest, ReArmingMovesTheDeadline) {
  std::vector<std::pair<int, uint64_t>> log;
  Firing f{&log, 1};
  Timer timer;
  timer.arm(10 * kMillisecond, record_firing, &f);
  timer.arm(25 * kMillisecond, record_firing, &f);
  Scheduler::sleep_for(15 * kMillisecond);
  EXPECT_TRUE(log.empty());
  timer.arm(17 * kMillisecond, record_firing, &f);  // earlier again
  Scheduler::sleep_for(20 * kMillisecond);
  EXPECT_EQ(log, (std::vector<std::pair<int, uint64_t>>{{1, 17 * kMillisecond}}));
}

struct Periodic {
  Timer timer;
  std::vector<uint64_t> fired;
  int remaining = 3;
};

void tick(void* context) {
  auto& p = *static_cast<Periodic*>(context);
  p.fired.push_back(fake::now_ns());
  if (--p.remaining > 0) p.timer.arm(p.timer.deadline_ns() + 10 * kMillisecond, tick, &p);
}

TEST_F(TimerTest, CallbackMayReArmItsOwnTimer) {
  Periodic periodic;
  periodic.timer.arm(10 * kMillisecond, tick, &periodic);
  Scheduler::sleep_for(100 * kMillisecond);
  EXPECT_EQ(periodic.fired, (std::vector<uint64_t>{10 * kMillisecond, 20 * kMillisecond, 30 * kMillisecond}));
  EXPECT_FALSE(periodic.timer.is_armed());
}

struct Alarm {
  WaitQueue queue;
  Timer timer;
  uint64_t woke_at = 0;
};

TEST_F(TimerTest, CallbackWakesABlockedThread) {
  Alarm alarm;
  alarm.timer.arm(15 * kMillisecond, [](void* context) { static_cast<Alarm*>(context)->queue.wake_all(); }, &alarm);
  auto created = Thread::try_create("sleeper", [](void* argument) {
    auto& a = *static_cast<Alarm*>(argument);
    a.queue.wait("alarm");
    a.woke_at = fake::now_ns();
  }, &alarm);
  ASSERT_TRUE(created.is_ok());
  // main waiting in join and the sleeper on the queue: only the timer can wake anyone,
  // so this is no deadlock.
  EXPECT_TRUE(created.value()->join().is_ok());
  EXPECT_EQ(alarm.woke_at, 15 * kMillisecond);
}

TEST_F(TimerTest, DueTimersFireWhileThreadsStayBusy) {
  // Nobody idles here: the switch path itself runs timers that are due.
  std::vector<std::pair<int, uint64_t>> log;
  Firing f{&log, 7};
  Timer timer;
  timer.arm(3 * kMillisecond, record_firing, &f);
  auto created = Thread::try_create("busy", [](void*) {
    for (int i = 0; i < 10; ++i) Scheduler::yield();
  }, nullptr);
  ASSERT_TRUE(created.is_ok());
  Scheduler::yield();
  EXPECT_TRUE(log.empty());
  fake::advance_ns(5 * kMillisecond);
  Scheduler::yield();
  EXPECT_EQ(log, (std::vector<std::pair<int, uint64_t>>{{7, 5 * kMillisecond}}));
  EXPECT_TRUE(created.value()->join().is_ok());
  EXPECT_EQ(fake::idle_count(), 0u);
}

TEST_F(TimerTest, DestroyingAnArmedTimerCancelsIt) {
  std::vector<std::pair<int, uint64_t>> log;
  Firing f{&log, 1};
  {
    Timer scoped;
    scoped.arm(5 * kMillisecond, record_firing, &f);
  }
  Timer other;
  other.arm(10 * kMillisecond, record_firing, &f);
  Scheduler::sleep_for(20 * kMillisecond);
  EXPECT_EQ(log, (std::vector<std::pair<int, uint64_t>>{{1, 10 * kMillisecond}}));
}

TEST_F(TimerTest, BlockingInACallbackPanics) {
  EXPECT_EXIT(
      {
        static WaitQueue queue;
        Timer timer;
        timer.arm(1 * kMillisecond, [](void*) { queue.wait("in callback"); }, nullptr);
        Scheduler::sleep_for(2 * kMillisecond);
      },
      ::testing::ExitedWithCode(70), "blocking on in callback from a timer callback");
}

}  // namespace
}  // namespace tessera
