// The default image's application. Everything here goes through the kernel's C module
// API (tessera/module_api.h): this is what any application sees.
#include <tessera/module_api.h>

namespace {

constexpr unsigned kMaxThreads = 64;
constexpr uint64_t kMillisecond = 1'000'000;

// Module TLS: each guest thread must see its own value.
__thread unsigned t_identity = 0;

struct Demo {
  unsigned thread_count = 4;
  unsigned rounds = 3;
  bool failed = false;
  tessera_mutex* mutex = nullptr;
  tessera_cond* turn_changed = nullptr;
  unsigned turn = 0;
  unsigned turns_taken = 0;
  bool out_of_order = false;
  uint64_t sleep_start_ns = 0;
  unsigned wake_order[kMaxThreads] = {};
  unsigned woken = 0;
};

struct Worker {
  Demo* demo;
  unsigned index;
};

void fail(Demo& demo, const char* what) {
  tessera_printf("demo: FAILED: %s\n", what);
  demo.failed = true;
}

bool parse_count(const char* text, unsigned max, unsigned& out) {
  unsigned value = 0;
  if (!*text) return false;
  for (const char* c = text; *c; ++c) {
    if (*c < '0' || *c > '9' || value > max) return false;
    value = value * 10 + unsigned(*c - '0');
  }
  if (value < 1 || value > max) return false;
  out = value;
  return true;
}

void take_turns(void* argument) {
  auto& worker = *static_cast<Worker*>(argument);
  Demo& demo = *worker.demo;
  t_identity = worker.index + 1;
  for (unsigned round = 0; round < demo.rounds; ++round) {
    tessera_mutex_lock(demo.mutex);
    while (demo.turn != worker.index) tessera_cond_wait(demo.turn_changed, demo.mutex);
    if (demo.turns_taken % demo.thread_count != worker.index) demo.out_of_order = true;
    ++demo.turns_taken;
    demo.turn = (demo.turn + 1) % demo.thread_count;
    tessera_cond_broadcast(demo.turn_changed);
    tessera_mutex_unlock(demo.mutex);
  }
  if (t_identity != worker.index + 1) fail(demo, "a module __thread variable changed under another thread");
}

// Thread i sleeps until (n - i) ms after a common start: they wake in reverse order.
void sleep_then_report(void* argument) {
  auto& worker = *static_cast<Worker*>(argument);
  Demo& demo = *worker.demo;
  uint64_t deadline = demo.sleep_start_ns + (demo.thread_count - worker.index) * kMillisecond;
  uint64_t now = tessera_monotonic_ns();
  if (deadline > now) tessera_thread_sleep_ns(deadline - now);
  if (tessera_monotonic_ns() < deadline) fail(demo, "a sleep ended before its deadline");
  tessera_mutex_lock(demo.mutex);
  demo.wake_order[demo.woken++] = worker.index;
  tessera_mutex_unlock(demo.mutex);
}

bool run_threads(Demo& demo, void (*entry)(void*), const char* name) {
  Worker workers[kMaxThreads];
  tessera_thread* threads[kMaxThreads] = {};
  for (unsigned i = 0; i < demo.thread_count; ++i) {
    workers[i] = {&demo, i};
    int error = tessera_thread_create(&threads[i], name, entry, &workers[i]);
    if (error != 0) {
      tessera_printf("demo: FAILED: cannot create thread %u: %s\n", i, tessera_errno_name(-error));
      demo.failed = true;
      // Threads already running wait for their turn; with one missing they never get it.
      for (unsigned j = 0; j < i; ++j) tessera_thread_join(threads[j]);
      return false;
    }
  }
  for (unsigned i = 0; i < demo.thread_count; ++i) tessera_thread_join(threads[i]);
  return true;
}

void check_boot_image(Demo& demo) {
  int fd = tessera_vfs_open("/etc/motd", TESSERA_O_RDONLY);
  if (fd < 0) {
    tessera_printf("demo: /etc/motd not found; boot image checks skipped\n");
    return;
  }
  char text[256];
  int64_t length = tessera_vfs_read(fd, text, sizeof text - 1);
  tessera_vfs_close(fd);
  if (length < 0) return fail(demo, "reading /etc/motd failed");
  int line = 0;
  while (line < length && text[line] != '\n') ++line;
  tessera_printf("demo: read /etc/motd through the VFS (%d bytes, symlink followed): %.*s\n", int(length), line, text);
}

// Writes a file on /tmp and reads it back: ramfs, when the image loaded it.
void check_ramfs(Demo& demo) {
  static const char kText[] = "written by the demo application\n";
  int fd = tessera_vfs_open("/tmp/demo.txt", TESSERA_O_RDWR | TESSERA_O_CREAT | TESSERA_O_TRUNC);
  if (fd < 0) {
    tessera_printf("demo: /tmp is not writable (%s); ramfs checks skipped\n", tessera_errno_name(-fd));
    return;
  }
  int64_t written = tessera_vfs_write(fd, kText, sizeof kText - 1);
  tessera_vfs_close(fd);
  char back[64] = {};
  fd = tessera_vfs_open("/tmp/demo.txt", TESSERA_O_RDONLY);
  int64_t got = fd < 0 ? fd : tessera_vfs_read(fd, back, sizeof back);
  if (fd >= 0) tessera_vfs_close(fd);
  if (written != int64_t(sizeof kText - 1) || got != written || memcmp(back, kText, size_t(got)) != 0)
    return fail(demo, "/tmp/demo.txt did not read back as written");
  if (tessera_vfs_unlink("/tmp/demo.txt") != 0) return fail(demo, "cannot remove /tmp/demo.txt");
  tessera_printf("demo: wrote, read back and removed /tmp/demo.txt on ramfs (%d bytes)\n", int(written));
}

}  // namespace

// extern "C": in freestanding C++ main is an ordinary function, and clang mangles it.
extern "C" TESSERA_MODULE_EXPORT int main(int argc, char** argv) {
  Demo demo;
  if ((argc > 1 && !parse_count(argv[1], kMaxThreads, demo.thread_count)) ||
      (argc > 2 && !parse_count(argv[2], 1000, demo.rounds)) || argc > 3) {
    tessera_printf("demo: usage: demo [threads 1-64] [rounds 1-1000]\n");
    return 2;
  }
  tessera_printf("demo: module application, %u threads, %u rounds\n", demo.thread_count, demo.rounds);
  if (tessera_mutex_create(&demo.mutex) != 0 || tessera_cond_create(&demo.turn_changed) != 0) {
    tessera_printf("demo: FAILED: cannot create a mutex or condition variable\n");
    return 1;
  }
  check_boot_image(demo);
  check_ramfs(demo);

  if (run_threads(demo, take_turns, "turns")) {
    if (demo.out_of_order || demo.turns_taken != demo.thread_count * demo.rounds)
      fail(demo, "threads did not take turns in order");
    else
      tessera_printf("demo: %u threads took %u turns in strict order (mutex + condition variable)\n",
                     demo.thread_count, demo.turns_taken);
  }
  // Deadlines start well after the threads exist: a sleeper whose deadline passed before
  // it first ran (creating 64 threads takes a while under ASan on a loaded machine) would
  // not sleep at all and report in creation order, not deadline order.
  demo.sleep_start_ns = tessera_monotonic_ns() + (20 + demo.thread_count) * kMillisecond;
  if (run_threads(demo, sleep_then_report, "sleeper")) {
    bool ordered = demo.woken == demo.thread_count;
    for (unsigned i = 0; ordered && i < demo.woken; ++i) ordered = demo.wake_order[i] == demo.thread_count - 1 - i;
    if (!ordered) fail(demo, "sleepers did not wake in deadline order");
    else tessera_printf("demo: %u sleepers woke in deadline order\n", demo.thread_count);
  }
  if (t_identity != 0) fail(demo, "the main thread saw another thread's module __thread value");
  else if (!demo.failed) tessera_printf("demo: module thread-local storage is per thread\n");

  tessera_cond_destroy(demo.turn_changed);
  tessera_mutex_destroy(demo.mutex);
  if (demo.failed) {
    tessera_printf("demo: some checks FAILED\n");
    return 1;
  }
  tessera_printf("demo: all checks passed\n");
  return 0;
}
