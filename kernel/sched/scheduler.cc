#include "sched/scheduler.hh"

#include <stddef.h>

#include "debug/debugger_interface.hh"

#include <tessera/format.hh>
#include <tessera/ktl/intrusive_list.hh>
#include <tessera/ktl/utility.hh>
#include <tessera/panic.hh>
#include "mm/heap.hh"
#include "sched/timer.hh"
#include "sched/wait_queue.hh"

namespace tessera {
namespace {

constexpr size_t kMaxEventHandlers = 16;
// While threads keep each other busy the idle loop never runs, so events are also
// polled on every kEventPollInterval-th switch (when someone handles them at all).
constexpr uint32_t kEventPollInterval = 256;

// Events that cannot make a blocked thread runnable again. A timer event only comes
// for a deadline we armed (counted separately), and a shutdown request ends the guest
// instead of letting its threads make progress.
constexpr platform::EventMask kNonWakingEvents = platform::event::kTimer | platform::event::kShutdownRequest;

struct EventRegistration {
  platform::EventMask events = 0;
  Scheduler::EventHandler handler = nullptr;
  void* context = nullptr;
};

}  // namespace

struct Scheduler::State {
  using RunQueue = ktl::IntrusiveList<Thread, &Thread::queue_node_>;
  using SleepList = ktl::IntrusiveList<Thread, &Thread::sleep_node_>;
  using ThreadList = ktl::IntrusiveList<Thread, &Thread::all_node_>;
  using TimerList = ktl::IntrusiveList<Timer, &Timer::node_>;

  TlsTemplate tls;
  Thread* current = nullptr;
  Thread* main = nullptr;
  // A finished thread whose stack is still in use until the next context takes over.
  Thread* unreaped = nullptr;
  uint64_t next_id = 1;
  // Set while timer callbacks and event handlers run: they must not block.
  bool in_callback = false;
  uint32_t switches_since_poll = 0;
  RunQueue run_queue;     // FIFO: yield goes to the back
  SleepList sleepers;     // by wake deadline: sleep_until and blocks with a timeout
  TimerList timers;       // by deadline
  // Created and not yet joined, finished ones included: a finished thread nobody joins
  // is a leak that diagnostics should show. live_threads counts the same set.
  ThreadList threads;
  EventRegistration handlers[kMaxEventHandlers] = {};
  Stats stats;

  static bool by_wake_deadline(const Thread& a, const Thread& b) { return a.wake_deadline_ns_ < b.wake_deadline_ns_; }
};

constinit Scheduler::State Scheduler::state_;

Thread* Thread::current() { return Scheduler::state_.current; }

void Scheduler::forget_previous_boot() {
  // The hosted build boots many kernels in one process: forget the previous boot entirely
  // (its threads, stacks and heap are gone with it).
  state_.~State();
  new (&state_) State();
}

Result<void> Scheduler::init(const TlsTemplate& tls, StackBounds boot_stack) {
  forget_previous_boot();
  state_.tls = tls;

  // The calling context becomes "main". It keeps its boot stack, so there is nothing to
  // allocate but the TLS block. kernel_main never returns, so main never exits or is
  // reaped: it ends the boot with platform::exit, which exit_current enforces.
  Thread* main = TRY(try_make<Thread>());
  main->set_name("main");
  main->stack_ = boot_stack;
  if (auto tls_block = main->allocate_tls(tls); tls_block.is_error()) {
    destroy(main);
    return tls_block.release_error();
  }
  main->id_ = state_.next_id++;
  main->state_ = Thread::State::kRunning;
  state_.threads.push_back(*main);
  state_.stats.live_threads = 1;
  state_.main = state_.current = main;
  platform::switch_thread_pointer(0, main->thread_pointer_);
  return {};
}

const TlsTemplate& Scheduler::tls_template() { return state_.tls; }

void Scheduler::adopt(Thread& thread) {
  thread.id_ = state_.next_id++;
  state_.threads.push_back(thread);
  ++state_.stats.live_threads;
  make_runnable(thread);
}

void Scheduler::forget(Thread& thread) {
  if (state_.unreaped == &thread) state_.unreaped = nullptr;
  State::ThreadList::remove(thread);
  --state_.stats.live_threads;
}

void Scheduler::yield() {
  State& s = state_;
  if (s.in_callback) panic("yield from a timer callback or event handler");
  Thread& self = *s.current;
  self.state_ = Thread::State::kRunnable;
  s.run_queue.push_back(self);
  switch_to_next();
}

void Scheduler::sleep_until(uint64_t deadline_ns) {
  State& s = state_;
  if (s.in_callback) panic("sleep from a timer callback or event handler");
  Thread& self = *s.current;
  self.state_ = Thread::State::kSleeping;
  self.wait_reason_ = "sleep";
  self.wake_deadline_ns_ = deadline_ns;
  s.sleepers.insert_sorted(self, State::by_wake_deadline);
  switch_to_next();
}

void Scheduler::sleep_for(uint64_t duration_ns) {
  uint64_t deadline = 0;
  if (!ktl::checked_add(platform::monotonic_ns(), duration_ns, deadline)) deadline = platform::kNoDeadline;
  sleep_until(deadline);
}

bool Scheduler::block_current(const char* reason, uint64_t deadline_ns) {
  State& s = state_;
  if (s.in_callback) panic("blocking on %s from a timer callback or event handler", reason);
  Thread& self = *s.current;
  self.state_ = Thread::State::kBlocked;
  self.wait_reason_ = reason;
  self.timed_out_ = false;
  if (deadline_ns != platform::kNoDeadline) {
    self.wake_deadline_ns_ = deadline_ns;
    s.sleepers.insert_sorted(self, State::by_wake_deadline);
  }
  switch_to_next();
  return !self.timed_out_;
}

void Scheduler::exit_current() {
  State& s = state_;
  Thread& self = *s.current;
  if (&self == s.main) panic("the main thread cannot exit: kernel_main ends the boot with platform::exit");
  if (s.in_callback) panic("thread exit from a timer callback or event handler");
  TESSERA_ASSERT(s.unreaped == nullptr);
  self.state_ = Thread::State::kFinished;
  self.wait_reason_ = "";
  if (self.joiners_) self.joiners_->wake_all();
  // This stack is still in use until the switch below completes; whoever runs next frees it.
  s.unreaped = &self;
  switch_to_next();
  panic("finished thread '%s' was resumed", self.name_);
}

void Scheduler::make_runnable(Thread& thread) {
  TESSERA_ASSERT(!thread.queue_node_.is_linked());
  State::SleepList::remove(thread);
  thread.state_ = Thread::State::kRunnable;
  thread.wait_reason_ = "";
  state_.run_queue.push_back(thread);
}

void Scheduler::switch_to_next() {
  State& s = state_;
  Thread* previous = s.current;
  Thread* next = pick_next();
  if (next == previous) {
    previous->state_ = Thread::State::kRunning;
    return;
  }
  next->state_ = Thread::State::kRunning;
  s.current = next;
  ++s.stats.context_switches;
  // A finished thread's TLS is never read again: 0 tells the platform not to save it.
  uintptr_t outgoing_tp = previous->state_ == Thread::State::kFinished ? 0 : previous->thread_pointer_;
  platform::switch_thread_pointer(outgoing_tp, next->thread_pointer_);
  arch::switch_context(previous->context_, next->context_, reinterpret_cast<const void*>(next->stack_.low),
                       next->stack_.high - next->stack_.low);
  finish_switch();
}

void Scheduler::finish_switch() {
  Thread* finished = ktl::exchange(state_.unreaped, nullptr);
  if (!finished) return;
  finished->release_stack();
  finished->release_tls();
}

Thread* Scheduler::pick_next() {
  State& s = state_;
  if (!s.sleepers.empty() || !s.timers.empty()) run_due(platform::monotonic_ns());
  if (++s.switches_since_poll >= kEventPollInterval) {
    s.switches_since_poll = 0;
    bool handled = false;
    for (auto& registration : s.handlers) handled |= registration.handler != nullptr;
    if (handled) dispatch(platform::take_events(false));
  }
  while (s.run_queue.empty()) idle();
  return s.run_queue.pop_front();
}

// Nothing is runnable. Runs on the stack of whichever thread just stopped (a finished
// one included: its stack is only freed once another thread runs).
//
// The deadlock rule: waiting is only worth it when something can make a thread runnable
// again -- a sleeper's or a timer's deadline, or a handler for a device line. With none
// of those every thread waits for another thread forever; a hang would be the only
// outcome (or, at best, the user's Ctrl-C), so the scheduler panics naming who waits
// on what. Shutdown-request handlers do not count: they end the guest, they do not
// let it make progress.
void Scheduler::idle() {
  State& s = state_;
  uint64_t deadline = platform::kNoDeadline;
  if (Thread* sleeper = s.sleepers.front()) deadline = sleeper->wake_deadline_ns_;
  if (Timer* timer = s.timers.front()) deadline = ktl::min(deadline, timer->deadline_ns_);
  bool device_can_wake = false;
  for (auto& registration : s.handlers)
    device_can_wake |= registration.handler && (registration.events & ~kNonWakingEvents);
  if (deadline == platform::kNoDeadline && !device_can_wake) panic_deadlock();

  platform::timer_arm(deadline);
  ++s.stats.idle_waits;
  dispatch(platform::take_events(true));
  if (!s.sleepers.empty() || !s.timers.empty()) run_due(platform::monotonic_ns());
}

// Sleepers and timers fire in deadline order, whichever list they are on.
void Scheduler::run_due(uint64_t now_ns) {
  State& s = state_;
  for (;;) {
    Thread* sleeper = s.sleepers.front();
    Timer* timer = s.timers.front();
    bool sleeper_due = sleeper && sleeper->wake_deadline_ns_ <= now_ns;
    bool timer_due = timer && timer->deadline_ns_ <= now_ns;
    if (!sleeper_due && !timer_due) return;
    if (sleeper_due && (!timer_due || sleeper->wake_deadline_ns_ <= timer->deadline_ns_)) {
      sleeper->timed_out_ = true;
      State::RunQueue::remove(*sleeper);  // off the wait queue it blocked on, if any
      make_runnable(*sleeper);
    } else {
      State::TimerList::remove(*timer);  // first, so the callback may re-arm it
      bool was_in_callback = ktl::exchange(s.in_callback, true);
      timer->callback_(timer->context_);
      s.in_callback = was_in_callback;
    }
  }
}

void Scheduler::dispatch(platform::EventMask events) {
  if (!events) return;
  State& s = state_;
  bool was_in_callback = ktl::exchange(s.in_callback, true);
  for (auto& registration : s.handlers) {
    platform::EventMask mine = registration.events & events;
    if (registration.handler && mine) registration.handler(mine, registration.context);
  }
  s.in_callback = was_in_callback;
}

void Scheduler::set_event_handler(platform::EventMask events, EventHandler handler, void* context) {
  // Each event has at most one handler: a new registration takes its events over.
  for (auto& registration : state_.handlers) {
    registration.events &= ~events;
    if (!registration.events) registration = {};
  }
  if (!handler || !events) return;
  for (auto& registration : state_.handlers) {
    if (!registration.handler) {
      registration = {events, handler, context};
      return;
    }
  }
  panic("more than %zu event handlers registered", kMaxEventHandlers);
}

void Scheduler::insert_timer(Timer& timer) {
  state_.timers.insert_sorted(timer, [](const Timer& a, const Timer& b) { return a.deadline_ns_ < b.deadline_ns_; });
}

Scheduler::Stats Scheduler::stats() { return state_.stats; }

void Scheduler::for_each_thread(void (*visit)(Thread& thread, void* context), void* context) {
  for (Thread& thread : state_.threads) visit(thread, context);
}

void Scheduler::panic_deadlock() {
  State& s = state_;
  size_t waiting = 0;
  for (Thread& thread : s.threads) waiting += thread.state_ != Thread::State::kFinished;
  // Static: the stack of the thread that found the deadlock may be nearly exhausted.
  static constinit char message[768] = {};
  size_t used = format(message, sizeof(message), "deadlock: all %zu threads blocked:", waiting);
  const char* separator = " ";
  for (Thread& thread : s.threads) {
    if (thread.state_ == Thread::State::kFinished || used >= sizeof(message) - 1) continue;
    used += format(message + used, sizeof(message) - used, "%s%s on %s", separator, thread.name_, thread.wait_reason_);
    separator = ", ";
  }
  panic("%s", message);
}

void Scheduler::describe_for_debugger(debugger::Interface& out) {
  out.thread_list_head = reinterpret_cast<uint64_t>(&state_.threads) + State::ThreadList::head_offset();
  out.current_thread = reinterpret_cast<uint64_t>(&state_.current);
  out.thread_node_offset = offsetof(Thread, all_node_);
  out.thread_id_offset = offsetof(Thread, id_);
  out.thread_name_offset = offsetof(Thread, name_);
  out.thread_state_offset = offsetof(Thread, state_);
  out.thread_wait_reason_offset = offsetof(Thread, wait_reason_);
  out.thread_stack_pointer_offset = offsetof(Thread, context_) + offsetof(arch::Context, stack_pointer);
}

}  // namespace tessera
