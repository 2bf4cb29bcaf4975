#pragma once
// Deferred work: what a device-line handler (scheduler context, must not block) needs done
// in thread context, such as loading a module. The handler queues a WorkItem it owns
// (intrusive: queuing allocates nothing and never blocks); a kernel thread, "deferred",
// runs each queued item once, in queue order. Queuing an item that is already queued does
// nothing, so a burst of interrupts asks for one run.
//
// The thread is started by start() from thread context, before anything can queue: only
// boots that defer something pay for its stack.
#include <stddef.h>
#include <tessera/result.hh>

namespace tessera {

struct WorkItem {
  void (*run)(WorkItem& item) = nullptr;  // thread context: may block, load, allocate
  const char* name = "work";              // for the log and diagnostics
  WorkItem* next = nullptr;
  bool queued = false;
};

class DeferredWork {
 public:
  // Forgets the previous boot's thread and queue (they went with its heap).
  static void reset();
  // Starts the worker thread unless running; ENOMEM when there is no memory for it.
  static Result<void> start();
  static bool started();
  // Queues `item` unless queued; callable from device-line handlers and threads. The
  // item must stay valid until it has run. Returns false (and queues nothing) when the
  // worker was never started: the caller decides what that means.
  static bool queue(WorkItem& item);
  // Items run so far (for tests and statistics).
  static size_t completed();
};

}  // namespace tessera
