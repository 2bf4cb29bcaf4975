#include "sched/thread.hh"

#include <stddef.h>
#include <tessera/ktl/utility.hh>
#include <tessera/panic.hh>
#include <tessera/platform.hh>
#include "mm/heap.hh"
#include "mm/page_allocator.hh"
#include "module/module_tls.hh"
#include "sched/scheduler.hh"
#include "sched/wait_queue.hh"

namespace tessera {
namespace {

// What the thread pointer points at (x86-64 TLS variant II): the self pointer that
// %fs:0 loads yield, and the stack-protector canary compiled code reads at %fs:0x28.
struct ThreadControlBlock {
  uintptr_t self;
  uintptr_t reserved[4];
  uint64_t stack_canary;
};
static_assert(offsetof(ThreadControlBlock, stack_canary) == 0x28);

}  // namespace

Result<Thread*> Thread::try_create(const char* name, Entry entry, void* argument, size_t stack_size) {
  if (!current()) panic("Thread::try_create('%s') before Scheduler::init", name ? name : "");
  if (!entry) return Error::with_message(kEINVAL, "thread '%s': no entry function", name ? name : "");

  Thread* thread = TRY(try_make<Thread>());
  thread->set_name(name);
  thread->entry_ = entry;
  thread->argument_ = argument;
  if (auto stack = thread->allocate_stack(stack_size); stack.is_error()) {
    destroy(thread);
    return stack.release_error();
  }
  if (auto tls = thread->allocate_tls(Scheduler::tls_template()); tls.is_error()) {
    thread->release_stack();
    destroy(thread);
    return tls.release_error();
  }
  arch::prepare_context(thread->context_, reinterpret_cast<void*>(thread->stack_.low),
                        thread->stack_.high - thread->stack_.low, &Thread::start, thread);
  Scheduler::adopt(*thread);
  return thread;
}

void Thread::start(void* thread) {
  Scheduler::finish_switch();
  auto* self = static_cast<Thread*>(thread);
  self->entry_(self->argument_);
  Scheduler::exit_current();
}

Result<void> Thread::join() {
  if (this == current()) return Error::with_message(kEDEADLK, "thread '%s' cannot join itself", name_);
  if (joined_) return Error::with_message(kEINVAL, "thread '%s' is already joined or being joined", name_);
  joined_ = true;
  if (state_ != State::kFinished) {
    // Only one thread can join, so its queue lives on its own stack, not in every Thread.
    WaitQueue finished;
    joiners_ = &finished;
    while (state_ != State::kFinished) finished.wait("join");
    joiners_ = nullptr;
  }
  // Normally the thread that ran after this one finished has freed these already.
  release_stack();
  release_tls();
  Scheduler::forget(*this);
  destroy(this);
  return {};
}

void Thread::set_name(const char* name) {
  size_t length = 0;
  if (name)
    while (length < kMaxNameLength && name[length]) ++length;
  if (length) __builtin_memcpy(name_, name, length);
  name_[length] = '\0';
}

Result<void> Thread::allocate_stack(size_t stack_size) {
  size_t stack_bytes = 0;
  if (stack_size == 0 || !ktl::align_up(stack_size, platform::kPageSize, stack_bytes))
    return Error::with_message(kEINVAL, "thread '%s': invalid stack size %zu", name_, stack_size);
  size_t pages = stack_bytes / platform::kPageSize + 1;  // + the guard page below
  auto allocated = page_allocator().allocate(pages);
  if (allocated.is_error())
    return Error::with_message(kENOMEM, "thread '%s': no memory for a %zu-byte stack: %s", name_, stack_bytes,
                               allocated.error().message());
  void* guard = allocated.value();
  // Overflowing the stack then faults at once instead of overwriting whatever lies below.
  if (auto protected_guard = platform::protect(guard, platform::kPageSize, platform::Protection::kNone);
      protected_guard.is_error()) {
    page_allocator().free(guard, pages);
    return Error::with_message(protected_guard.error().code(), "thread '%s': cannot protect its stack guard page: %s",
                               name_, protected_guard.error().message());
  }
  stack_allocation_ = guard;
  stack_allocation_pages_ = pages;
  stack_.low = reinterpret_cast<uintptr_t>(guard) + platform::kPageSize;
  stack_.high = stack_.low + stack_bytes;
  return {};
}

void Thread::release_stack() {
  if (!stack_allocation_) return;
  arch::forget_stack(reinterpret_cast<void*>(stack_.low), stack_.high - stack_.low);
  // The page allocator hands these pages out again, to callers that expect them writable.
  auto unprotected = platform::protect(stack_allocation_, platform::kPageSize,
                                       platform::Protection::kRead | platform::Protection::kWrite);
  if (unprotected.is_error())
    panic("thread '%s': cannot unprotect its stack guard page: %s", name_, unprotected.error().message());
  page_allocator().free(stack_allocation_, stack_allocation_pages_);
  stack_allocation_ = nullptr;
  stack_allocation_pages_ = 0;
  stack_ = {};
}

Result<void> Thread::allocate_tls(const TlsTemplate& tls) {
  size_t alignment = ktl::max(tls.alignment, alignof(ThreadControlBlock));
  size_t tls_size = 0, block_size = 0;
  if (!ktl::is_power_of_two(alignment) || tls.initial_size > tls.total_size ||
      (tls.initial_size && !tls.initial_image) || !ktl::align_up(tls.total_size, alignment, tls_size) ||
      !ktl::checked_add(tls_size, sizeof(ThreadControlBlock), block_size))
    return Error::with_message(kEINVAL, "thread '%s': bad TLS template (%zu of %zu bytes initialised, alignment %zu)",
                               name_, tls.initial_size, tls.total_size, tls.alignment);
  auto* block = static_cast<uint8_t*>(heap().allocate(block_size, alignment));
  if (!block) return Error::with_message(kENOMEM, "thread '%s': no memory for a %zu-byte TLS block", name_, block_size);

  if (tls.initial_size) __builtin_memcpy(block, tls.initial_image, tls.initial_size);
  __builtin_memset(block + tls.initial_size, 0, block_size - tls.initial_size);
  auto* control = reinterpret_cast<ThreadControlBlock*>(block + tls_size);
  control->self = reinterpret_cast<uintptr_t>(control);
  // One canary for all threads: code that spans a thread-pointer change (Scheduler::init,
  // the switch path) checks it against another control block than it saved it from.
  control->stack_canary = arch::read_stack_canary();

  tls_allocation_ = block;
  tls_allocation_size_ = block_size;
  thread_pointer_ = reinterpret_cast<uintptr_t>(control);
  // Loaded modules' static TLS lives in this block too: give it their initial images.
  module_tls::thread_created(thread_pointer_);
  return {};
}

void Thread::release_tls() {
  if (!tls_allocation_) return;
  module_tls::thread_released(thread_pointer_);  // the dynamic TLS blocks of modules it used
  heap().free(tls_allocation_);
  tls_allocation_ = nullptr;
  tls_allocation_size_ = 0;
  thread_pointer_ = 0;
}

}  // namespace tessera
