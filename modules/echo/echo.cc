// `echo [port]`: RFC 862 echo on TCP and UDP, same port (default 7). A thread per TCP
// connection (the kernel's threads are cooperative and cheap, see modules/httpd) and one
// thread answering UDP datagrams.
#include <tessera/module_api.h>

namespace {

constexpr int kEINTR = 4;
constexpr int kECONNABORTED = 103;
constexpr size_t kBufferSize = 16 * 1024;
constexpr size_t kMaxDatagram = 65536;

struct Session {
  int fd;
  tessera_thread* thread;
  Session* next;
};

struct Echo {
  uint16_t port = 7;
  tessera_mutex* mutex = nullptr;
  tessera_cond* changed = nullptr;
  Session* done = nullptr;
};

// 1..65535 in decimal digits only (strtoul alone would take signs and spaces).
bool parse_port(const char* text, uint16_t* out) {
  char* end = nullptr;
  unsigned long value = strtoul(text, &end, 10);
  if (*text < '0' || *text > '9' || *end || value == 0 || value > 65535) return false;
  *out = uint16_t(value);
  return true;
}

int bound_socket(int type, uint16_t port) {
  int fd = socket(AF_INET, type, 0);
  if (fd < 0) {
    tessera_printf("echo: socket: %s (is a network stack loaded? kernel option net.ip)\n", tessera_errno_name(errno));
    return -1;
  }
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in address = {};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_ANY);
  if (bind(fd, reinterpret_cast<struct sockaddr*>(&address), sizeof address) != 0) {
    tessera_printf("echo: bind %s port %u: %s\n", type == SOCK_STREAM ? "tcp" : "udp", unsigned(port),
                   tessera_errno_name(errno));
    close(fd);
    return -1;
  }
  return fd;
}

bool send_all(int fd, const char* data, size_t length) {
  while (length > 0) {
    ssize_t sent = send(fd, data, length, 0);
    if (sent < 0 && errno == kEINTR) continue;
    if (sent <= 0) return false;
    data += sent;
    length -= size_t(sent);
  }
  return true;
}

Echo* g_echo = nullptr;

void serve_stream(void* argument) {
  auto* session = static_cast<Session*>(argument);
  char* buffer = static_cast<char*>(malloc(kBufferSize));
  while (buffer) {
    ssize_t received = recv(session->fd, buffer, kBufferSize, 0);
    if (received < 0 && errno == kEINTR) continue;
    if (received <= 0 || !send_all(session->fd, buffer, size_t(received))) break;
  }
  free(buffer);
  close(session->fd);
  tessera_mutex_lock(g_echo->mutex);
  session->next = g_echo->done;
  g_echo->done = session;
  tessera_cond_signal(g_echo->changed);
  tessera_mutex_unlock(g_echo->mutex);
}

void serve_datagrams(void* argument) {
  int fd = *static_cast<int*>(argument);
  char* buffer = static_cast<char*>(malloc(kMaxDatagram));
  if (!buffer) {
    tessera_printf("echo: no memory for the UDP buffer\n");
    return;
  }
  for (;;) {
    struct sockaddr_storage from;
    socklen_t from_length = sizeof from;
    ssize_t received = recvfrom(fd, buffer, kMaxDatagram, 0, reinterpret_cast<struct sockaddr*>(&from), &from_length);
    if (received < 0) {
      if (errno == kEINTR) continue;
      tessera_printf("echo: udp recvfrom: %s; UDP echo stops\n", tessera_errno_name(errno));
      break;
    }
    if (sendto(fd, buffer, size_t(received), 0, reinterpret_cast<struct sockaddr*>(&from), from_length) < 0)
      tessera_log(TESSERA_LOG_DEBUG, "echo: udp sendto: %s", tessera_errno_name(errno));
  }
  free(buffer);
}

// Joins finished TCP sessions.
void reap(void*) {
  tessera_mutex_lock(g_echo->mutex);
  for (;;) {
    while (!g_echo->done) tessera_cond_wait(g_echo->changed, g_echo->mutex);
    Session* list = g_echo->done;
    g_echo->done = nullptr;
    tessera_mutex_unlock(g_echo->mutex);
    while (list) {
      Session* next = list->next;
      tessera_thread_join(list->thread);
      free(list);
      list = next;
    }
    tessera_mutex_lock(g_echo->mutex);
  }
}

}  // namespace

extern "C" TESSERA_MODULE_EXPORT int main(int argc, char** argv) {
  static Echo echo;
  g_echo = &echo;
  if (argc > 2 || (argc == 2 && !parse_port(argv[1], &echo.port))) {
    tessera_printf("echo: usage: echo [port 1-65535]\n");
    return 2;
  }
  if (tessera_mutex_create(&echo.mutex) != 0 || tessera_cond_create(&echo.changed) != 0) {
    tessera_printf("echo: cannot create a mutex or condition variable\n");
    return 1;
  }
  static int udp = -1;
  int tcp = bound_socket(SOCK_STREAM, echo.port);
  udp = tcp < 0 ? -1 : bound_socket(SOCK_DGRAM, echo.port);
  if (tcp < 0 || udp < 0 || listen(tcp, 64) != 0) {
    if (tcp >= 0 && udp >= 0) tessera_printf("echo: listen: %s\n", tessera_errno_name(errno));
    return 1;
  }
  tessera_thread* udp_thread = nullptr;
  tessera_thread* reaper = nullptr;
  if (tessera_thread_create(&udp_thread, "echo-udp", serve_datagrams, &udp) != 0 ||
      tessera_thread_create(&reaper, "echo-reaper", reap, nullptr) != 0) {
    tessera_printf("echo: cannot start threads\n");
    return 1;
  }
  tessera_printf("echo: listening on 0.0.0.0:%u (tcp, udp)\n", unsigned(echo.port));
  for (;;) {
    int fd = accept(tcp, nullptr, nullptr);
    if (fd < 0) {
      if (errno == kEINTR || errno == kECONNABORTED) continue;
      tessera_printf("echo: accept: %s; stopping\n", tessera_errno_name(errno));
      return 1;  // the boot ends with the application; no need to unwind the threads
    }
    auto* session = static_cast<Session*>(malloc(sizeof(Session)));
    if (!session) {
      close(fd);
      continue;
    }
    session->fd = fd;
    session->next = nullptr;
    tessera_mutex_lock(echo.mutex);
    int error = tessera_thread_create(&session->thread, "echo-tcp", serve_stream, session);
    tessera_mutex_unlock(echo.mutex);
    if (error != 0) {
      tessera_log(TESSERA_LOG_WARN, "echo: cannot start a connection thread: %s", tessera_errno_name(error));
      close(fd);
      free(session);
    }
  }
}
