#include "sched/deferred_work.hh"

#include <tessera/ktl/utility.hh>

#include "log/log.hh"
#include "sched/thread.hh"
#include "sched/wait_queue.hh"

namespace tessera {
namespace {

struct State {
  Thread* worker = nullptr;
  WorkItem* head = nullptr;
  WorkItem* tail = nullptr;
  size_t completed = 0;
};
constinit State g_state;
// Outside State: a WaitQueue cannot be copied; reset() renews it in place without
// touching the previous boot's waiters (their stacks are gone).
constinit WaitQueue g_wakeup;
WaitQueue& wakeup() { return g_wakeup; }

WorkItem* take() {
  WorkItem* item = g_state.head;
  if (!item) return nullptr;
  g_state.head = item->next;
  if (!g_state.head) g_state.tail = nullptr;
  item->next = nullptr;
  item->queued = false;  // may be queued again from inside its own run
  return item;
}

// One CPU, and handlers run only when a thread blocks or yields: between finding the
// queue empty and waiting, nothing can queue, so no wakeup is lost.
[[noreturn]] void work_loop(void*) {
  for (;;) {
    while (WorkItem* item = take()) {
      item->run(*item);
      ++g_state.completed;
    }
    wakeup().wait("deferred work");
  }
}

}  // namespace

void DeferredWork::reset() {
  g_state = State{};
  new (&g_wakeup) WaitQueue();
}

Result<void> DeferredWork::start() {
  if (g_state.worker) return {};
  g_state.worker = TRY(Thread::try_create("deferred", [](void* argument) { work_loop(argument); }, nullptr));
  log::debug("deferred work: thread started");
  return {};
}

bool DeferredWork::started() { return g_state.worker != nullptr; }

bool DeferredWork::queue(WorkItem& item) {
  if (!g_state.worker) return false;
  if (item.queued) return true;
  item.queued = true;
  item.next = nullptr;
  if (g_state.tail) g_state.tail->next = &item;
  else g_state.head = &item;
  g_state.tail = &item;
  wakeup().wake_one();
  return true;
}

size_t DeferredWork::completed() { return g_state.completed; }

}  // namespace tessera
