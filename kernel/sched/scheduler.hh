#pragma once
// The cooperative scheduler: a FIFO run queue, deadline-ordered sleepers and timers,
// and an idle loop that waits on the platform. When every thread is blocked with no
// timer pending and no device able to wake one, it panics with "deadlock" instead of hanging.
#include <stddef.h>
#include <stdint.h>
#include <tessera/boot_info.hh>
#include <tessera/platform.hh>
#include <tessera/result.hh>
#include "sched/thread.hh"

namespace tessera {
namespace debugger { struct Interface; }

class Timer;

class Scheduler {
 public:
  struct Stats {
    uint64_t context_switches = 0;
    uint64_t idle_waits = 0;
    size_t live_threads = 0;  // created and not yet joined (main and finished ones included)
  };
  using EventHandler = void (*)(platform::EventMask events, void* context);

  // Resets all scheduler state and adopts the calling context (kernel_main on its boot
  // stack) as thread 1, "main". `tls` is the kernel image's TLS template.
  static Result<void> init(const TlsTemplate& tls, StackBounds boot_stack);
  // Drops every trace of an earlier boot in this process (Thread::current() becomes null),
  // so a panic before init() cannot reach the previous boot's freed threads.
  static void forget_previous_boot();

  static void yield();
  static void sleep_until(uint64_t deadline_ns);
  static void sleep_for(uint64_t duration_ns);
  // Ends the calling thread (as returning from its entry does).
  [[noreturn]] static void exit_current();

  // Called from the idle loop, with interrupts' events, in scheduler context: handlers
  // must not block. Used for the shutdown request now and device lines later.
  static void set_event_handler(platform::EventMask events, EventHandler handler, void* context);

  static Stats stats();
  // Where debuggers find the threads (kernel/debug/debugger_interface.hh).
  static void describe_for_debugger(debugger::Interface& out);
  // Every live thread, for diagnostics (debugger, panic): calls `visit` for each.
  static void for_each_thread(void (*visit)(Thread& thread, void* context), void* context);

 private:
  friend class Thread;
  friend class WaitQueue;
  friend class Timer;
  // Blocks the current thread until made runnable again or `deadline_ns` passes
  // (kNoDeadline: no timeout). Returns false on timeout.
  static bool block_current(const char* reason, uint64_t deadline_ns);
  static void make_runnable(Thread& thread);
  static void switch_to_next();

  // Bookkeeping for Thread and Timer.
  static const TlsTemplate& tls_template();
  static void adopt(Thread& thread);   // a new thread: gets its id and becomes runnable
  static void forget(Thread& thread);  // a joined thread leaves the books
  static void finish_switch();         // the first thing a context does after a switch
  static void insert_timer(Timer& timer);

  static Thread* pick_next();
  static void idle();
  static void run_due(uint64_t now_ns);
  static void dispatch(platform::EventMask events);
  [[noreturn]] static void panic_deadlock();

  struct State;
  static State state_;
};

}  // namespace tessera
