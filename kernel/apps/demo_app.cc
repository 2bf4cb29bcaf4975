// The default app: checks that memory, threads, sync primitives, timers and thread-local
// storage behave, printing one line per check. Any failed check makes it exit 1.
#include <tessera/format.hh>
#include <tessera/platform.hh>
#include <tessera/vfs.hh>

#include "apps/builtin_app.hh"
#include "arch/x86_64/context.hh"
#include "mm/heap.hh"
#include "sched/mutex.hh"
#include "sched/scheduler.hh"
#include "sched/timer.hh"

namespace tessera {
namespace {

constexpr uint32_t kMaxThreads = 64;
constexpr uint64_t kMillisecond = 1'000'000;

// Per guest thread: each thread must see only its own value.
__thread uint64_t t_identity = 0;

struct Demo {
  uint32_t thread_count = 0;
  uint32_t rounds = 0;
  bool failed = false;

  Mutex mutex;
  ConditionVariable turn_changed;
  uint32_t turn TS_GUARDED_BY(mutex) = 0;
  uint32_t turns_taken TS_GUARDED_BY(mutex) = 0;
  bool out_of_order TS_GUARDED_BY(mutex) = false;
  bool aborted TS_GUARDED_BY(mutex) = false;  // not every thread could be created

  uint32_t wake_order[kMaxThreads] = {};
  uint32_t woken = 0;
  uint64_t sleep_start_ns = 0;  // one start for every sleeper: deadlines must not depend on start-up jitter
  uint64_t canary = 0;
};

struct Worker {
  Demo* demo;
  uint32_t index;
};

void fail(Demo& demo, const char* what) {
  print("demo: FAILED: %s\n", what);
  demo.failed = true;
}

// Threads take turns in strict round-robin order, handing over with a condition variable.
void take_turns(void* argument) {
  auto& worker = *static_cast<Worker*>(argument);
  Demo& demo = *worker.demo;
  t_identity = worker.index + 1;
  if (arch::read_stack_canary() != demo.canary) fail(demo, "stack-protector canary differs between threads");
  for (uint32_t round = 0; round < demo.rounds; ++round) {
    MutexLocker locker(demo.mutex);
    while (demo.turn != worker.index && !demo.aborted) demo.turn_changed.wait(demo.mutex);
    if (demo.aborted) return;
    if (demo.turns_taken % demo.thread_count != worker.index) demo.out_of_order = true;
    ++demo.turns_taken;
    demo.turn = (demo.turn + 1) % demo.thread_count;
    demo.turn_changed.notify_all();
  }
  if (t_identity != worker.index + 1) fail(demo, "a __thread variable changed under another thread");
}

// Thread i sleeps until (n - i) ms after a common start, so they must wake in reverse
// creation order however late each one got to run.
void sleep_then_report(void* argument) {
  auto& worker = *static_cast<Worker*>(argument);
  Demo& demo = *worker.demo;
  uint64_t deadline = demo.sleep_start_ns + (demo.thread_count - worker.index) * kMillisecond;
  Scheduler::sleep_until(deadline);
  if (platform::monotonic_ns() < deadline) fail(demo, "a sleep ended before its deadline");
  demo.wake_order[demo.woken++] = worker.index;
}

bool run_threads(Demo& demo, Thread::Entry entry, const char* name) {
  Worker workers[kMaxThreads];
  Thread* threads[kMaxThreads] = {};
  uint32_t started = 0;
  for (; started < demo.thread_count; ++started) {
    workers[started] = {&demo, started};
    auto created = Thread::try_create(name, entry, &workers[started]);
    if (created.is_error()) {
      print("demo: FAILED: cannot create thread %u: %s\n", started, created.error().message());
      demo.failed = true;
      // Threads already running may wait for the missing ones: release them.
      MutexLocker locker(demo.mutex);
      demo.aborted = true;
      demo.turn_changed.notify_all();
      break;
    }
    threads[started] = created.value();
  }
  for (uint32_t i = 0; i < started; ++i) {
    auto joined = threads[i]->join();
    if (joined.is_error()) fail(demo, "join failed");
  }
  return started == demo.thread_count;
}

bool check_heap(Demo& demo) {
  constexpr size_t kCount = 512;
  void* blocks[kCount];
  auto before = heap().stats();
  for (size_t i = 0; i < kCount; ++i) {
    size_t size = 8 + (i * 37) % 3000;
    blocks[i] = heap().allocate(size);
    if (!blocks[i]) return fail(demo, "heap allocation failed"), false;
    __builtin_memset(blocks[i], int(i & 0xff), size);
  }
  for (size_t i = 0; i < kCount; ++i) {
    auto* bytes = static_cast<unsigned char*>(blocks[i]);
    if (bytes[0] != (i & 0xff) || bytes[(8 + (i * 37) % 3000) - 1] != (i & 0xff))
      return fail(demo, "heap block contents were overwritten"), false;
  }
  auto peak = heap().stats().bytes_in_use;
  for (size_t i = 0; i < kCount; ++i) heap().free(blocks[i]);
  if (heap().stats().bytes_in_use != before.bytes_in_use) return fail(demo, "heap bytes in use did not return"), false;
  print("demo: heap self-check passed (%zu blocks, %zu KiB at peak)\n", kCount, (peak - before.bytes_in_use) / 1024);
  return true;
}

// The boot image: /etc/motd is a symlink to /app/demo/message.txt on the default image.
void check_boot_image_files(Demo& demo) {
  constexpr const char* kPath = "/etc/motd";
  auto opened = vfs::open(kPath, vfs::open_flag::kReadOnly);
  if (opened.is_error()) {
    if (opened.error().code() == kENOENT) print("demo: %s not found; file checks skipped\n", kPath);
    else print("demo: FAILED: open %s: %s\n", kPath, opened.error().message()), demo.failed = true;
    return;
  }
  int fd = opened.value();
  char text[256];
  auto got = vfs::read(fd, ktl::MutableBytes(reinterpret_cast<uint8_t*>(text), sizeof text - 1));
  auto mapped = vfs::map(fd);
  (void)vfs::close(fd);
  if (got.is_error() || mapped.is_error()) return fail(demo, "reading /etc/motd through the VFS failed");
  size_t length = got.value();
  // read() copies and map() points into the image: both must show the same bytes.
  if (mapped.value().size() < length || __builtin_memcmp(mapped.value().data(), text, length) != 0)
    return fail(demo, "read() and map() of /etc/motd disagree");
  text[length] = 0;
  size_t line = 0;
  while (line < length && text[line] != '\n') ++line;
  print("demo: read %s through the VFS (%zu bytes, symlink followed): %.*s\n", kPath, length, int(line), text);
}

struct TimerProbe {
  WaitQueue fired;
  bool done = false;
};

void on_timer(void* context) {
  auto& probe = *static_cast<TimerProbe*>(context);
  probe.done = true;
  probe.fired.wake_all();
}

}  // namespace

int demo_app_main(const AppContext& context) {
  Demo demo;
  demo.thread_count = context.options.demo_threads;
  demo.rounds = context.options.demo_rounds;
  demo.canary = arch::read_stack_canary();
  print("demo: %u threads, %u rounds\n", demo.thread_count, demo.rounds);
  if (demo.canary == 0) fail(demo, "the stack-protector canary at %fs:0x28 is zero");

  check_heap(demo);
  check_boot_image_files(demo);

  if (run_threads(demo, take_turns, "turns")) {
    MutexLocker locker(demo.mutex);
    if (demo.out_of_order || demo.turns_taken != demo.thread_count * demo.rounds)
      fail(demo, "threads did not take turns in order");
    else
      print("demo: %u threads took %u turns in strict order (mutex + condition variable)\n", demo.thread_count,
            demo.turns_taken);
  }

  // Well after the threads exist: a sleeper whose deadline passed before it first ran
  // would report in creation order, not deadline order (a loaded machine, ASan).
  demo.sleep_start_ns = platform::monotonic_ns() + (20 + demo.thread_count) * kMillisecond;
  if (run_threads(demo, sleep_then_report, "sleeper")) {
    bool ordered = demo.woken == demo.thread_count;
    for (uint32_t i = 0; ordered && i < demo.woken; ++i)
      ordered = demo.wake_order[i] == demo.thread_count - 1 - i;
    if (!ordered) fail(demo, "sleepers did not wake in deadline order");
    else print("demo: %u sleepers woke in deadline order\n", demo.thread_count);
  }

  TimerProbe probe;
  Timer timer;
  uint64_t start = platform::monotonic_ns();
  timer.arm(start + 10 * kMillisecond, on_timer, &probe);
  while (!probe.done) probe.fired.wait("demo timer");
  uint64_t elapsed = platform::monotonic_ns() - start;
  if (elapsed < 10 * kMillisecond) fail(demo, "the timer fired early");
  else print("demo: timer fired after %llu.%01llu ms (armed for 10 ms)\n", static_cast<unsigned long long>(elapsed / kMillisecond),
             static_cast<unsigned long long>(elapsed % kMillisecond / 100'000));

  if (t_identity != 0) fail(demo, "the main thread saw another thread's __thread value");
  else if (!demo.failed) print("demo: thread-local storage and stack canary valid in every thread\n");

  auto scheduler = Scheduler::stats();
  print("demo: %llu context switches, %llu idle waits\n", static_cast<unsigned long long>(scheduler.context_switches),
        static_cast<unsigned long long>(scheduler.idle_waits));
  if (demo.failed) {
    print("demo: some checks FAILED\n");
    return 1;
  }
  print("demo: all checks passed\n");
  return 0;
}

}  // namespace tessera
