// The last thing the kernel does when it finds its own bug. Everything here writes
// straight to the console (not through the log threshold) and avoids the heap, so it
// still works when the heap or the scheduler is what broke.
#include <stdarg.h>
#include <stdint.h>
#include <tessera/exit_status.hh>
#include <tessera/format.hh>
#include <tessera/panic.hh>
#include <tessera/platform.hh>
#include "arch/x86_64/context.hh"
#include "log/log.hh"
#include "module/module_symbolizer.hh"
#include "sched/thread.hh"

namespace tessera {
namespace {

constexpr size_t kMaxFrames = 32;
// Without a thread (before the scheduler starts) the stack's extent is unknown; the
// boot stack is never larger than this, and a wrong guess only shortens the backtrace.
constexpr uintptr_t kFallbackStackSpan = 256 * 1024;
constexpr size_t kLogTailBytes = 2048;

// Plain globals with constant initialisers: no constructor has to run first.
// A panic ends the boot, so the flag is cleared only just before platform::exit.
constinit bool g_panicking = false;
// Static rather than on the stack: the panicking thread's stack may be nearly full.
constinit char g_log_tail[kLogTailBytes + 1] = {};

void write(const char* text, size_t length) { platform::console_write(text, length); }

// Like print(), but never leaves this file's control of the output path.
void write_formatted(const char* format, ...) __attribute__((format(printf, 1, 2)));
void write_formatted(const char* format, ...) {
  char line[256];
  va_list args;
  va_start(args, format);
  size_t length = vformat(line, sizeof(line), format, args);
  va_end(args);
  write(line, length < sizeof(line) ? length : sizeof(line) - 1);
}

StackBounds backtrace_bounds(uintptr_t stack_pointer) {
  if (Thread* thread = Thread::current()) {
    StackBounds bounds = thread->stack();
    // Panicking on some other stack (a platform callback, a corrupted switch):
    // the thread's bounds would reject every frame, so fall back to the guess.
    if (stack_pointer >= bounds.low && stack_pointer < bounds.high) return bounds;
  }
  uintptr_t high = stack_pointer + kFallbackStackSpan;
  if (high < stack_pointer) high = UINTPTR_MAX;
  return {stack_pointer, high};
}

void print_backtrace(uintptr_t frame, uintptr_t stack_pointer) {
  StackBounds bounds = backtrace_bounds(stack_pointer);
  uintptr_t frames[kMaxFrames];
  size_t count = arch::backtrace(frame, bounds.low, bounds.high, frames, kMaxFrames);
  write_formatted("backtrace (stack 0x%lx..0x%lx):\n", bounds.low, bounds.high);
  for (size_t i = 0; i < count; ++i) {
    // A return address may be the first byte after its function: look up the call itself.
    char where[160];
    if (describe_module_address(frames[i] - 1, where, sizeof where))
      write_formatted("  #%zu 0x%lx in %s\n", i, frames[i], where);
    else
      write_formatted("  #%zu 0x%lx\n", i, frames[i]);
  }
  if (count == 0) write_formatted("  (no frames)\n");
}

void print_log_tail() {
  size_t length = log::read_ring(g_log_tail, sizeof(g_log_tail));
  write_formatted("last log lines:\n");
  if (length == 0) {
    write_formatted("  (log is empty)\n");
    return;
  }
  write(g_log_tail, length);
  if (g_log_tail[length - 1] != '\n') write("\n", 1);
}

}  // namespace

void panic(const char* format, ...) {
  if (g_panicking) {
    static constexpr char kNested[] = "KERNEL PANIC while panicking; exiting\n";
    write(kNested, sizeof(kNested) - 1);
    platform::exit(exit_status::kSoftware);
  }
  g_panicking = true;

  // Read first, before our own calls disturb them.
  uintptr_t stack_pointer;
  uintptr_t instruction_pointer;
  asm volatile("mov %%rsp, %0" : "=r"(stack_pointer));
  asm volatile("lea 0(%%rip), %0" : "=r"(instruction_pointer));
  auto frame_pointer = reinterpret_cast<uintptr_t>(__builtin_frame_address(0));
  auto return_address = reinterpret_cast<uintptr_t>(__builtin_return_address(0));

  char message[512];
  va_list args;
  va_start(args, format);
  size_t length = vformat(message, sizeof(message), format, args);
  va_end(args);
  static constexpr char kHeader[] = "KERNEL PANIC: ";
  write(kHeader, sizeof(kHeader) - 1);
  write(message, length < sizeof(message) ? length : sizeof(message) - 1);
  if (length >= sizeof(message)) write("...", 3);
  write("\n", 1);

  write_formatted("registers: rip=0x%lx rsp=0x%lx rbp=0x%lx return=0x%lx\n", instruction_pointer,
                  stack_pointer, frame_pointer, return_address);
  if (Thread* thread = Thread::current())
    write_formatted("thread: %lu '%s'\n", static_cast<unsigned long>(thread->id()), thread->name());
  else
    write_formatted("thread: none (scheduler not started)\n");
  // Starting from panic's own frame makes #0 the caller of panic.
  print_backtrace(frame_pointer, stack_pointer);
  print_log_tail();

  g_panicking = false;  // the hosted build may boot another kernel in this process
  platform::exit(exit_status::kSoftware);
}

}  // namespace tessera
