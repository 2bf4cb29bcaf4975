#pragma once
// Guest threads: each has its own stack with a guard page below it, its own TLS block
// and control block (thread pointer), and its own errno. Scheduling is cooperative on
// one guest CPU: a thread runs until it yields, sleeps, blocks or exits.
#include <stddef.h>
#include <stdint.h>
#include <tessera/ktl/intrusive_list.hh>
#include <tessera/boot_info.hh>
#include <tessera/result.hh>
#include "arch/x86_64/context.hh"

namespace tessera {

class WaitQueue;

struct StackBounds {
  uintptr_t low = 0;   // lowest usable address (just above the guard page)
  uintptr_t high = 0;  // one past the highest
};

class Thread {
 public:
  enum class State : uint8_t { kRunnable, kRunning, kBlocked, kSleeping, kFinished };
  using Entry = void (*)(void* argument);
  static constexpr size_t kDefaultStackSize = 64 * 1024;
  static constexpr size_t kMaxNameLength = 31;

  // The new thread is runnable at once and runs entry(argument) when scheduled;
  // returning from `entry` ends it. ENOMEM when the stack or TLS cannot be allocated.
  static Result<Thread*> try_create(const char* name, Entry entry, void* argument,
                                    size_t stack_size = kDefaultStackSize);
  static Thread* current();

  // Waits until this thread has finished, then frees it: a thread is joined once.
  // EDEADLK when joining itself, EINVAL when already joined or being joined.
  Result<void> join();

  uint64_t id() const { return id_; }
  const char* name() const { return name_; }
  State state() const { return state_; }
  StackBounds stack() const { return stack_; }
  uintptr_t thread_pointer() const { return thread_pointer_; }
  // What the thread is blocked on, for diagnostics ("mutex", "sleep", "join", ...).
  const char* wait_reason() const { return wait_reason_; }
  int& errno_value() { return errno_; }

  Thread(const Thread&) = delete;
  Thread& operator=(const Thread&) = delete;

 private:
  friend class Scheduler;
  friend class WaitQueue;
  template <typename T, typename... Args> friend Result<T*> try_make(Args&&... args);
  Thread() = default;

  // The thread's resources, each released by its counterpart (safe to call twice).
  Result<void> allocate_stack(size_t stack_size);
  void release_stack();
  Result<void> allocate_tls(const TlsTemplate& tls);
  void release_tls();
  void set_name(const char* name);
  static void start(void* thread);

  uint64_t id_ = 0;
  char name_[kMaxNameLength + 1] = {};
  State state_ = State::kRunnable;
  const char* wait_reason_ = "";
  int errno_ = 0;
  arch::Context context_;
  StackBounds stack_;
  void* stack_allocation_ = nullptr;  // guard page + stack; null for the boot thread
  size_t stack_allocation_pages_ = 0;
  void* tls_allocation_ = nullptr;
  size_t tls_allocation_size_ = 0;
  uintptr_t thread_pointer_ = 0;
  Entry entry_ = nullptr;
  void* argument_ = nullptr;
  uint64_t wake_deadline_ns_ = 0;
  bool timed_out_ = false;
  bool joined_ = false;
  WaitQueue* joiners_ = nullptr;
  ktl::IntrusiveListNode queue_node_;   // run queue or one wait queue
  ktl::IntrusiveListNode sleep_node_;   // the scheduler's deadline-ordered sleepers
  ktl::IntrusiveListNode all_node_;     // every live thread, for diagnostics
};

}  // namespace tessera
