// Mutex, condition variable and wait queue semantics on the fake platform.
#include <algorithm>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "fake_platform/fake_platform.hh"
#include "sched/mutex.hh"
#include "sched/scheduler.hh"
#include "sched/thread.hh"
#include "sched/wait_queue.hh"

namespace tessera {
namespace {

constexpr uint64_t kMillisecond = 1'000'000;

class SyncTest : public ::testing::Test {
 protected:
  void SetUp() override { fake::boot_core(ram_); }

  static Thread* spawn(const char* name, Thread::Entry entry, void* argument) {
    auto created = Thread::try_create(name, entry, argument);
    EXPECT_TRUE(created.is_ok()) << (created.is_ok() ? "" : created.error().message());
    return created.is_ok() ? created.value() : nullptr;
  }
  static void join_all(const std::vector<Thread*>& threads) {
    for (Thread* thread : threads) EXPECT_TRUE(thread->join().is_ok());
  }

  fake::Ram ram_{16 << 20};
};

// --- Mutex -----------------------------------------------------------------------------

struct Counter {
  Mutex mutex;
  int value TS_GUARDED_BY(mutex) = 0;
  int inside = 0;       // threads between lock and unlock right now
  int max_inside = 0;
};

void increment_slowly(void* argument) {
  auto& c = *static_cast<Counter*>(argument);
  for (int i = 0; i < 20; ++i) {
    MutexLocker locker(c.mutex);
    c.max_inside = std::max(c.max_inside, ++c.inside);
    int seen = c.value;
    Scheduler::yield();  // everybody else gets a turn inside the critical section's window
    c.value = seen + 1;
    --c.inside;
  }
}

TEST_F(SyncTest, MutexExcludesOthersAcrossYields) {
  Counter counter;
  std::vector<Thread*> threads;
  for (int i = 0; i < 5; ++i) threads.push_back(spawn("incrementer", increment_slowly, &counter));
  join_all(threads);
  MutexLocker locker(counter.mutex);
  EXPECT_EQ(counter.value, 100) << "an update was lost";
  EXPECT_EQ(counter.max_inside, 1);
}

struct Handoff {
  Mutex mutex;
  std::vector<std::string> order;
};

struct Contender {
  Handoff* handoff;
  const char* name;
};

void lock_and_record(void* argument) {
  auto& c = *static_cast<Contender*>(argument);
  c.handoff->mutex.lock();
  c.handoff->order.push_back(c.name);
  Scheduler::yield();
  c.handoff->mutex.unlock();
}

TEST_F(SyncTest, MutexHandsOffToWaitersInArrivalOrder) {
  Handoff handoff;
  Contender a{&handoff, "a"}, b{&handoff, "b"}, c{&handoff, "c"};
  handoff.mutex.lock();
  std::vector<Thread*> threads{spawn("a", lock_and_record, &a), spawn("b", lock_and_record, &b),
                               spawn("c", lock_and_record, &c)};
  Scheduler::yield();  // all three now wait for the mutex, in this order
  for (Thread* thread : threads) EXPECT_STREQ(thread->wait_reason(), "mutex");
  handoff.mutex.unlock();
  // Ownership went to "a" at unlock: main cannot barge back in ahead of the waiters.
  EXPECT_FALSE(handoff.mutex.try_lock());
  EXPECT_FALSE(handoff.mutex.is_held_by_current());
  handoff.mutex.lock();  // queues behind b and c
  handoff.order.push_back("main");
  handoff.mutex.unlock();
  join_all(threads);
  EXPECT_EQ(handoff.order, (std::vector<std::string>{"a", "b", "c", "main"}));
}

TEST_F(SyncTest, TryLockTakesAFreeMutexOnly) {
  Mutex mutex;
  ASSERT_TRUE(mutex.try_lock());
  EXPECT_TRUE(mutex.is_held_by_current());
  struct Probe {
    Mutex* mutex;
    bool got = true;
  } probe{&mutex};
  Thread* other = spawn("probe", [](void* argument) {
    auto& p = *static_cast<Probe*>(argument);
    p.got = p.mutex->try_lock();
  }, &probe);
  EXPECT_TRUE(other->join().is_ok());
  EXPECT_FALSE(probe.got);
  mutex.unlock();
  EXPECT_FALSE(mutex.is_held_by_current());
}

TEST_F(SyncTest, RecursiveLockPanics) {
  EXPECT_EXIT(
      {
        Mutex mutex;
        mutex.lock();
        mutex.lock();
      },
      ::testing::ExitedWithCode(70), "recursive lock by thread 'main'");
}

TEST_F(SyncTest, UnlockByNonOwnerPanics) {
  EXPECT_EXIT(
      {
        static Mutex mutex;
        Thread* owner = spawn("owner", [](void*) {
          mutex.lock();
          Scheduler::yield();
        }, nullptr);
        Scheduler::yield();
        mutex.unlock();
        (void)owner;
      },
      ::testing::ExitedWithCode(70), "unlocked by thread 'main' but held by owner");
}

// --- Condition variable ------------------------------------------------------------------

struct BoundedBuffer {
  static constexpr size_t kCapacity = 2;
  Mutex mutex;
  ConditionVariable not_empty, not_full;
  std::vector<int> items TS_GUARDED_BY(mutex);
  std::vector<int> consumed;
  size_t max_size = 0;
};

void produce(void* argument) {
  auto& b = *static_cast<BoundedBuffer*>(argument);
  for (int i = 1; i <= 20; ++i) {
    MutexLocker locker(b.mutex);
    while (b.items.size() == BoundedBuffer::kCapacity) b.not_full.wait(b.mutex);
    b.items.push_back(i);
    b.max_size = std::max(b.max_size, b.items.size());
    b.not_empty.notify_one();
  }
}

void consume(void* argument) {
  auto& b = *static_cast<BoundedBuffer*>(argument);
  for (int n = 0; n < 20; ++n) {
    MutexLocker locker(b.mutex);
    while (b.items.empty()) b.not_empty.wait(b.mutex);
    b.consumed.push_back(b.items.front());
    b.items.erase(b.items.begin());
    b.not_full.notify_one();
  }
}

TEST_F(SyncTest, ConditionVariableProducerConsumer) {
  BoundedBuffer buffer;
  std::vector<Thread*> threads{spawn("consumer", consume, &buffer), spawn("producer", produce, &buffer)};
  join_all(threads);
  std::vector<int> expected;
  for (int i = 1; i <= 20; ++i) expected.push_back(i);
  EXPECT_EQ(buffer.consumed, expected);
  EXPECT_EQ(buffer.max_size, BoundedBuffer::kCapacity);
}

struct Gate {
  Mutex mutex;
  ConditionVariable opened;
  bool open TS_GUARDED_BY(mutex) = false;
  int passed = 0;
};

void wait_at_gate(void* argument) {
  auto& g = *static_cast<Gate*>(argument);
  MutexLocker locker(g.mutex);
  while (!g.open) g.opened.wait(g.mutex);
  EXPECT_TRUE(g.mutex.is_held_by_current());
  ++g.passed;
}

TEST_F(SyncTest, NotifyAllWakesEveryWaiterNotifyOneJustOne) {
  Gate gate;
  std::vector<Thread*> threads;
  for (int i = 0; i < 4; ++i) threads.push_back(spawn("gate", wait_at_gate, &gate));
  Scheduler::yield();
  {
    MutexLocker locker(gate.mutex);
    gate.open = true;
    gate.opened.notify_one();
  }
  Scheduler::yield();
  EXPECT_EQ(gate.passed, 1);
  gate.opened.notify_all();
  join_all(threads);
  EXPECT_EQ(gate.passed, 4);
}

TEST_F(SyncTest, ConditionWaitUntilTimesOutAtExactlyTheDeadlineHoldingTheMutex) {
  Mutex mutex;
  ConditionVariable never;
  MutexLocker locker(mutex);
  fake::advance_ns(2 * kMillisecond);
  auto waited = never.wait_until(mutex, 9 * kMillisecond);
  ASSERT_TRUE(waited.is_error());
  EXPECT_EQ(waited.error().code(), kETIMEDOUT);
  EXPECT_EQ(fake::now_ns(), 9 * kMillisecond);
  EXPECT_TRUE(mutex.is_held_by_current());
}

struct TimedNotify {
  Mutex mutex;
  ConditionVariable ready;
};

TEST_F(SyncTest, ConditionWaitUntilReturnsOkWhenNotifiedInTime) {
  TimedNotify t;
  Thread* notifier = spawn("notifier", [](void* argument) {
    auto& n = *static_cast<TimedNotify*>(argument);
    Scheduler::sleep_for(3 * kMillisecond);
    n.ready.notify_one();
  }, &t);
  {
    MutexLocker locker(t.mutex);
    auto waited = t.ready.wait_until(t.mutex, 10 * kMillisecond);
    EXPECT_TRUE(waited.is_ok());
    EXPECT_EQ(fake::now_ns(), 3 * kMillisecond);
  }
  EXPECT_TRUE(notifier->join().is_ok());
  // The abandoned deadline must not fire later: sleeping on past it costs one idle wait.
  uint64_t idles = fake::idle_count();
  Scheduler::sleep_for(20 * kMillisecond);
  EXPECT_EQ(fake::idle_count(), idles + 1);
  EXPECT_EQ(fake::now_ns(), 23 * kMillisecond);
}

// --- Wait queue --------------------------------------------------------------------------

TEST_F(SyncTest, WaitQueueWaitUntilTimesOutAndLeavesTheQueue) {
  WaitQueue queue;
  auto waited = queue.wait_until(4 * kMillisecond, "test");
  ASSERT_TRUE(waited.is_error());
  EXPECT_EQ(waited.error().code(), kETIMEDOUT);
  EXPECT_NE(std::string(waited.error().message()).find("test"), std::string::npos);
  EXPECT_EQ(fake::now_ns(), 4 * kMillisecond);
  EXPECT_TRUE(queue.empty());
  EXPECT_FALSE(queue.wake_one());
}

TEST_F(SyncTest, WaitQueueWakesInFifoOrder) {
  struct Waiter {
    WaitQueue* queue;
    std::vector<int>* order;
    int number;
  };
  WaitQueue queue;
  std::vector<int> order;
  Waiter waiters[3] = {{&queue, &order, 0}, {&queue, &order, 1}, {&queue, &order, 2}};
  std::vector<Thread*> threads;
  for (auto& waiter : waiters)
    threads.push_back(spawn("waiter", [](void* argument) {
      auto& w = *static_cast<Waiter*>(argument);
      w.queue->wait();
      w.order->push_back(w.number);
    }, &waiter));
  Scheduler::yield();
  EXPECT_FALSE(queue.empty());
  EXPECT_TRUE(queue.wake_one());
  Scheduler::yield();
  EXPECT_EQ(order, (std::vector<int>{0}));
  EXPECT_EQ(queue.wake_all(), 2u);
  EXPECT_EQ(queue.wake_all(), 0u);
  join_all(threads);
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2}));
}

}  // namespace
}  // namespace tessera
