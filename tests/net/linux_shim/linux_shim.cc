// The module API calls httpd and echo make besides sockets, over Linux: files through
// POSIX calls, threads through pthreads, the log to stderr. Lets the applications' own
// logic (HTTP parsing, keep-alive, streaming, concurrency) be tested with real clients
// independently of the kernel's network stack.
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <time.h>

#include <tessera/module_api.h>

extern "C" {

struct tessera_thread {
  pthread_t thread;
  void (*entry)(void*);
  void* argument;
};
struct tessera_mutex {
  pthread_mutex_t mutex;
};
struct tessera_cond {
  pthread_cond_t cond;
};

void tessera_log(int level, const char* format, ...) {
  va_list args;
  va_start(args, format);
  vfprintf(stderr, format, args);
  va_end(args);
  fputc('\n', stderr);
}

int tessera_printf(const char* format, ...) {
  va_list args;
  va_start(args, format);
  int length = vprintf(format, args);
  va_end(args);
  fflush(stdout);
  return length;
}

const char* tessera_errno_name(int code) {
  const char* name = strerrorname_np(code < 0 ? -code : code);
  return name ? name : "E?";
}

uint64_t tessera_wall_clock_ns(void) {
  timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  return uint64_t(now.tv_sec) * 1000000000u + uint64_t(now.tv_nsec);
}

int tessera_vfs_open(const char* path, int flags) {
  int fd = open(path, flags | O_CLOEXEC);
  return fd < 0 ? -errno : fd;
}
int tessera_vfs_close(int fd) { return close(fd) == 0 ? 0 : -errno; }
int64_t tessera_vfs_pread(int fd, void* buffer, size_t size, uint64_t offset) {
  ssize_t got = pread(fd, buffer, size, off_t(offset));
  return got < 0 ? -errno : got;
}
int tessera_vfs_stat(const char* path, struct tessera_stat* out) {
  struct stat info;
  if (stat(path, &info) != 0) return -errno;
  *out = {};
  out->mode = info.st_mode;
  out->size = info.st_size;
  return 0;
}

static void* thread_start(void* argument) {
  auto* thread = static_cast<tessera_thread*>(argument);
  thread->entry(thread->argument);
  return nullptr;
}
int tessera_thread_create(tessera_thread** out, const char*, void (*entry)(void*), void* argument) {
  auto* thread = static_cast<tessera_thread*>(malloc(sizeof(tessera_thread)));
  thread->entry = entry;
  thread->argument = argument;
  *out = thread;
  int error = pthread_create(&thread->thread, nullptr, thread_start, thread);
  if (error != 0) free(thread);
  return -error;
}
int tessera_thread_join(tessera_thread* thread) {
  pthread_join(thread->thread, nullptr);
  free(thread);
  return 0;
}
void tessera_thread_sleep_ns(uint64_t duration_ns) {
  timespec delay = {time_t(duration_ns / 1000000000u), long(duration_ns % 1000000000u)};
  nanosleep(&delay, nullptr);
}
int tessera_mutex_create(tessera_mutex** out) {
  *out = static_cast<tessera_mutex*>(malloc(sizeof(tessera_mutex)));
  pthread_mutex_init(&(*out)->mutex, nullptr);
  return 0;
}
void tessera_mutex_destroy(tessera_mutex* mutex) { free(mutex); }
void tessera_mutex_lock(tessera_mutex* mutex) { pthread_mutex_lock(&mutex->mutex); }
void tessera_mutex_unlock(tessera_mutex* mutex) { pthread_mutex_unlock(&mutex->mutex); }
int tessera_cond_create(tessera_cond** out) {
  *out = static_cast<tessera_cond*>(malloc(sizeof(tessera_cond)));
  pthread_cond_init(&(*out)->cond, nullptr);
  return 0;
}
void tessera_cond_destroy(tessera_cond* cond) { free(cond); }
void tessera_cond_wait(tessera_cond* cond, tessera_mutex* mutex) { pthread_cond_wait(&cond->cond, &mutex->mutex); }
void tessera_cond_signal(tessera_cond* cond) { pthread_cond_signal(&cond->cond); }
void tessera_cond_broadcast(tessera_cond* cond) { pthread_cond_broadcast(&cond->cond); }

}  // extern "C"
