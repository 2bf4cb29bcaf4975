#include <sanitizer/asan_interface.h>
#include "fake_platform.hh"

#include <pthread.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <vector>

#include "dev/device_lines.hh"
#include "fs/vfs/poller.hh"
#include "log/log.hh"
#include "net/net_startup.hh"
#include "sched/deferred_work.hh"
#include "module/module_loader.hh"
#include "mm/heap.hh"
#include "mm/page_allocator.hh"
#include "sched/scheduler.hh"
#include "tls_window.hh"

namespace tessera::fake {
namespace {

struct State {
  uint64_t now = 0;
  uint64_t deadline = platform::kNoDeadline;
  platform::EventMask pending = 0;
  uint64_t idles = 0;
  std::string console;
  std::vector<MemoryRegion> ram;
};

State& state() {
  static State s;
  return s;
}

const linux_host::TlsWindow& window() {
  static linux_host::TlsWindow w = linux_host::TlsWindow::for_current_thread();
  return w;
}

}  // namespace

Ram::Ram(size_t bytes) : size_(bytes) {
  base_ = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (base_ == MAP_FAILED) {
    std::perror("fake::Ram mmap");
    std::abort();
  }
  add_ram(region());
}

Ram::~Ram() {
  // The kernel heap poisons RAM for ASan, and ASan keeps shadow across munmap.
  ASAN_UNPOISON_MEMORY_REGION(base_, size_);
  munmap(base_, size_);
}

void reset() {
  auto ram = state().ram;
  state() = State{};
  state().ram = ram;  // RAM objects outlive resets
}
void add_ram(MemoryRegion region) { state().ram.push_back(region); }
uint64_t now_ns() { return state().now; }
void advance_ns(uint64_t delta) {
  state().now += delta;
  if (state().deadline != platform::kNoDeadline && state().now >= state().deadline) {
    state().pending |= platform::event::kTimer;
    state().deadline = platform::kNoDeadline;
  }
}
uint64_t armed_deadline() { return state().deadline; }
void raise_events(platform::EventMask events) { state().pending |= events; }
uint64_t idle_count() { return state().idles; }
std::string console_output() { return state().console; }
void clear_console() { state().console.clear(); }
TlsTemplate tls_template() { return window().tls_template(); }

void boot_core(const Ram& ram) {
  reset();
  reset_modules();  // as kernel_main does: before the scheduler, whose threads copy module TLS
  log::reset(0);
  page_allocator().reset();
  if (auto added = page_allocator().add_region(ram.region()); added.is_error()) {
    std::fprintf(stderr, "fake::boot_core: %s\n", added.error().message());
    std::abort();
  }
  heap().reset(page_allocator());

  // The calling host thread's stack becomes the main thread's boot stack.
  pthread_attr_t attributes;
  void* stack_low = nullptr;
  size_t stack_size = 0;
  if (pthread_getattr_np(pthread_self(), &attributes) != 0 ||
      pthread_attr_getstack(&attributes, &stack_low, &stack_size) != 0) {
    std::fprintf(stderr, "fake::boot_core: cannot find the calling thread's stack\n");
    std::abort();
  }
  pthread_attr_destroy(&attributes);
  auto low = reinterpret_cast<uintptr_t>(stack_low);
  if (auto started = Scheduler::init(tls_template(), {low, low + stack_size}); started.is_error()) {
    std::fprintf(stderr, "fake::boot_core: %s\n", started.error().message());
    std::abort();
  }
  // As kernel_main does: the previous boot's device handlers, pollers, network devices,
  // socket provider and deferred-work thread went with its heap.
  DeviceLines::reset();
  Poller::reset();
  NetStartup::reset();
  DeferredWork::reset();
}

}  // namespace tessera::fake

namespace tessera::platform {

void console_write(const char* bytes, size_t length) {
  fake::state().console.append(bytes, length);
  // Also to stderr, so death tests can match panic messages.
  (void)!::write(2, bytes, length);
}

uint64_t monotonic_ns() { return fake::state().now; }
uint64_t wall_clock_ns() { return 1'700'000'000'000'000'000ull + fake::state().now; }

void timer_arm(uint64_t deadline_ns) {
  fake::state().deadline = deadline_ns;
  if (deadline_ns != kNoDeadline && deadline_ns <= fake::state().now) fake::advance_ns(0);
}

EventMask take_events(bool block) {
  auto& s = fake::state();
  if (block && s.pending == 0) {
    if (s.deadline == kNoDeadline) {
      // Nothing could ever wake the guest: report it rather than hang the test.
      console_write("fake platform: idle wait with no deadline and no events\n", 56);
      return 0;
    }
    ++s.idles;
    fake::advance_ns(s.deadline > s.now ? s.deadline - s.now : 0);
  }
  return ktl::exchange(s.pending, EventMask{0});
}

Result<void> protect(void* start, size_t length, Protection protection) {
  auto begin = reinterpret_cast<uintptr_t>(start);
  if (begin % kPageSize || length % kPageSize || length == 0)
    return Error::with_message(kEINVAL, "protect: unaligned range %p+%zu", start, length);
  if (has(protection, Protection::kWrite) && has(protection, Protection::kExecute))
    return Error::with_message(kEINVAL, "protect: write+execute refused (W^X) at %p", start);
  bool inside = false;
  for (auto& r : fake::state().ram)
    if (begin >= r.start && begin + length <= r.start + r.size) inside = true;
  if (!inside) return Error::with_message(kEINVAL, "protect: %p+%zu is not guest RAM", start, length);
  int prot = (has(protection, Protection::kRead) ? PROT_READ : 0) |
             (has(protection, Protection::kWrite) ? PROT_WRITE : 0) |
             (has(protection, Protection::kExecute) ? PROT_EXEC : 0);
  if (mprotect(start, length, prot) != 0) return Error::with_message(kEINVAL, "protect: mprotect failed");
  return {};
}

void switch_thread_pointer(uintptr_t outgoing_tp, uintptr_t incoming_tp) {
  fake::window().switch_to(outgoing_tp, incoming_tp);
}

void fill_random(void* buffer, size_t length) {
  static std::mt19937_64 generator(42);  // deterministic on purpose: tests repeat exactly
  auto* bytes = static_cast<unsigned char*>(buffer);
  for (size_t i = 0; i < length; ++i) bytes[i] = static_cast<unsigned char>(generator());
}

[[noreturn]] void exit(int status) {
  std::fflush(nullptr);
  ::_exit(status);
}

}  // namespace tessera::platform
