// The small built-in apps: exit, panic, oom, sleep.
#include <tessera/format.hh>
#include <tessera/panic.hh>

#include "apps/builtin_app.hh"
#include "mm/heap.hh"
#include "sched/scheduler.hh"

namespace tessera {
namespace {

// Strict decimal in [0, max]; false for anything else.
bool parse_number(const char* text, uint64_t max, uint64_t& out) {
  if (!text || !*text) return false;
  uint64_t value = 0;
  for (const char* c = text; *c; ++c) {
    if (*c < '0' || *c > '9') return false;
    if (!ktl::checked_mul(value, uint64_t{10}, value) || !ktl::checked_add(value, uint64_t(*c - '0'), value))
      return false;
  }
  if (value > max) return false;
  out = value;
  return true;
}

}  // namespace

int exit_app_main(const AppContext& context) {
  uint64_t status = 0;
  if (context.argc > 1 && !parse_number(context.argv[1], 255, status)) {
    print("exit: status must be a whole number from 0 to 255, got '%s'\n", context.argv[1]);
    return 2;
  }
  print("exit: exiting with status %llu\n", static_cast<unsigned long long>(status));
  return static_cast<int>(status);
}

int panic_app_main(const AppContext&) {
  print("panic: about to panic on purpose\n");
  panic("requested by app=panic");
}

int oom_app_main(const AppContext&) {
  // Allocate ever smaller blocks, kept in a list threaded through the blocks themselves,
  // until not even the smallest size class can be served; then free them all and check
  // that the heap still works.
  struct Block { Block* next; };
  Block* blocks = nullptr;
  size_t count = 0;
  size_t bytes = 0;
  auto before = heap().stats();
  for (size_t size = 64 * 1024; size >= sizeof(Block); size /= 2) {
    while (void* memory = heap().allocate(size)) {
      auto* block = static_cast<Block*>(memory);
      block->next = blocks;
      blocks = block;
      ++count;
      bytes += size;
    }
  }
  auto exhausted = heap().stats();
  auto failed = try_make<Block>();
  bool clean_error = failed.is_error() && failed.error().code() == kENOMEM;
  print("oom: heap exhausted after %zu allocations (%zu KiB); next try_make: %s\n", count, bytes / 1024,
        clean_error ? failed.error().message() : "unexpectedly succeeded");
  while (blocks) heap().free(ktl::exchange(blocks, blocks->next));
  auto after = heap().stats();
  void* probe = heap().allocate(64 * 1024);
  bool recovered = probe != nullptr && after.bytes_in_use == before.bytes_in_use &&
                   exhausted.failed_allocations > before.failed_allocations;
  heap().free(probe);
  if (!clean_error || !recovered || count == 0) {
    print("oom: FAILED: the heap did not recover cleanly\n");
    return 1;
  }
  // Relative, not absolute: what the heap holds at boot differs between platforms (the
  // main thread's TLS block is as large as the platform's TLS segment).
  print("oom: freed everything; heap back to its use before the test (%zu bytes) and allocating again\n",
        after.bytes_in_use - before.bytes_in_use);
  return 0;
}

int sleep_app_main(const AppContext& context) {
  uint64_t milliseconds = 1000;
  if (context.argc > 1 && !parse_number(context.argv[1], 86'400'000, milliseconds)) {
    print("sleep: duration must be whole milliseconds up to one day, got '%s'\n", context.argv[1]);
    return 2;
  }
  print("sleep: sleeping %llu ms\n", static_cast<unsigned long long>(milliseconds));
  Scheduler::sleep_for(milliseconds * 1'000'000);
  print("sleep: woke up\n");
  return 0;
}

}  // namespace tessera
