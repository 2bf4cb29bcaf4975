/* Sockets: the POSIX calls applications use, and the table a network stack module
 * registers to serve them. Part of the module API (included by tessera/module_api.h).
 *
 * Sockets live in the kernel's descriptor table next to open files, so read, write,
 * close and poll take both. The kernel owns descriptors and poll's waiting; the stack
 * (net-lwip) owns everything else behind tessera_socket_ops. Every constant and struct
 * below has Linux's value and layout, and the calls set errno as Linux does (the POSIX
 * section), unlike the rest of the module API. */
#ifndef TESSERA_SOCKET_API_H
#define TESSERA_SOCKET_API_H

#include <stddef.h>
#include <stdint.h>

#include "device_api.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Types and constants (Linux values) -------------------------------------------------- */
/* Host programs that include this header next to their own C library define
 * TESSERA_MODULE_API_NO_LIBC (see module_api.h) and use the host's definitions, which
 * are the same; the provider table below uses only the tessera_ names. */

struct tessera_sockaddr_in {
  uint16_t sin_family; /* AF_INET */
  uint16_t sin_port;   /* network byte order */
  uint32_t sin_addr;   /* network byte order */
  uint8_t sin_zero[8];
};

#ifndef TESSERA_MODULE_API_NO_LIBC

typedef uint32_t socklen_t;
typedef uint16_t sa_family_t;
typedef uint16_t in_port_t;
typedef uint32_t in_addr_t;
typedef int64_t ssize_t;
typedef uint64_t nfds_t;

struct sockaddr {
  sa_family_t sa_family;
  char sa_data[14];
};
struct in_addr {
  in_addr_t s_addr;
};
struct sockaddr_in {
  sa_family_t sin_family;
  in_port_t sin_port;
  struct in_addr sin_addr;
  unsigned char sin_zero[8];
};
struct sockaddr_storage {
  sa_family_t ss_family;
  char ss_padding[118];
  uint64_t ss_align;
};
struct pollfd {
  int fd;
  short events;
  short revents;
};
struct timeval {
  int64_t tv_sec;
  int64_t tv_usec;
};
struct linger {
  int l_onoff;
  int l_linger;
};
struct addrinfo {
  int ai_flags;
  int ai_family;
  int ai_socktype;
  int ai_protocol;
  socklen_t ai_addrlen;
  struct sockaddr* ai_addr;
  char* ai_canonname;
  struct addrinfo* ai_next;
};

#define AF_UNSPEC 0
#define AF_INET 2
#define AF_INET6 10
#define PF_INET AF_INET
#define SOCK_STREAM 1
#define SOCK_DGRAM 2
#define SOCK_RAW 3
#define SOCK_NONBLOCK 04000
#define SOCK_CLOEXEC 02000000
#define IPPROTO_IP 0
#define IPPROTO_ICMP 1
#define IPPROTO_TCP 6
#define IPPROTO_UDP 17
#define INADDR_ANY ((in_addr_t)0x00000000)
#define INADDR_BROADCAST ((in_addr_t)0xffffffff)
#define INADDR_LOOPBACK ((in_addr_t)0x7f000001)
#define INADDR_NONE ((in_addr_t)0xffffffff)
#define INET_ADDRSTRLEN 16

#define SOL_SOCKET 1
#define SO_REUSEADDR 2
#define SO_TYPE 3
#define SO_ERROR 4
#define SO_BROADCAST 6
#define SO_SNDBUF 7
#define SO_RCVBUF 8
#define SO_KEEPALIVE 9
#define SO_LINGER 13
#define SO_REUSEPORT 15
#define SO_RCVTIMEO 20
#define SO_SNDTIMEO 21
#define SO_ACCEPTCONN 30
#define TCP_NODELAY 1
#define TCP_KEEPIDLE 4
#define TCP_KEEPINTVL 5
#define TCP_KEEPCNT 6
#define IP_TOS 1
#define IP_TTL 2

#define SHUT_RD 0
#define SHUT_WR 1
#define SHUT_RDWR 2
#define MSG_PEEK 0x2
#define MSG_DONTWAIT 0x40
#define MSG_WAITALL 0x100
#define MSG_NOSIGNAL 0x4000

#define POLLIN 0x001
#define POLLPRI 0x002
#define POLLOUT 0x004
#define POLLERR 0x008
#define POLLHUP 0x010
#define POLLNVAL 0x020

#define O_NONBLOCK 04000
#define F_GETFL 3
#define F_SETFL 4

#define AI_PASSIVE 0x0001
#define AI_CANONNAME 0x0002
#define AI_NUMERICHOST 0x0004
#define AI_NUMERICSERV 0x0400
#define EAI_BADFLAGS -1
#define EAI_NONAME -2
#define EAI_FAIL -4
#define EAI_FAMILY -6
#define EAI_SOCKTYPE -7
#define EAI_SERVICE -8
#define EAI_MEMORY -10
#define EAI_SYSTEM -11

static inline uint16_t htons(uint16_t value) { return __builtin_bswap16(value); }
static inline uint16_t ntohs(uint16_t value) { return __builtin_bswap16(value); }
static inline uint32_t htonl(uint32_t value) { return __builtin_bswap32(value); }
static inline uint32_t ntohl(uint32_t value) { return __builtin_bswap32(value); }

/* ---- POSIX calls (errno set on failure, as on Linux) --------------------------------- */

int socket(int domain, int type, int protocol);
int bind(int fd, const struct sockaddr* address, socklen_t length);
int listen(int fd, int backlog);
int accept(int fd, struct sockaddr* address, socklen_t* length);
int accept4(int fd, struct sockaddr* address, socklen_t* length, int flags);
int connect(int fd, const struct sockaddr* address, socklen_t length);
ssize_t send(int fd, const void* data, size_t size, int flags);
ssize_t recv(int fd, void* buffer, size_t size, int flags);
ssize_t sendto(int fd, const void* data, size_t size, int flags, const struct sockaddr* to, socklen_t to_length);
ssize_t recvfrom(int fd, void* buffer, size_t size, int flags, struct sockaddr* from, socklen_t* from_length);
int shutdown(int fd, int how);
int setsockopt(int fd, int level, int name, const void* value, socklen_t length);
int getsockopt(int fd, int level, int name, void* value, socklen_t* length);
int getsockname(int fd, struct sockaddr* address, socklen_t* length);
int getpeername(int fd, struct sockaddr* address, socklen_t* length);

/* On any descriptor, file or socket. */
ssize_t read(int fd, void* buffer, size_t size);
ssize_t write(int fd, const void* data, size_t size);
int close(int fd);
int fcntl(int fd, int command, ...);
/* Files are always ready; timeout in ms, -1 waits forever. */
int poll(struct pollfd* fds, nfds_t count, int timeout_ms);

/* Numeric hosts and services only (no resolver): EAI_NONAME for names. */
int getaddrinfo(const char* node, const char* service, const struct addrinfo* hints, struct addrinfo** result);
void freeaddrinfo(struct addrinfo* list);
const char* gai_strerror(int code);
int inet_pton(int family, const char* text, void* out);
const char* inet_ntop(int family, const void* address, char* buffer, socklen_t size);

#endif /* TESSERA_MODULE_API_NO_LIBC */

/* ---- The stack's side ---------------------------------------------------------------------- */

/* A network stack serves sockets through this table. Every call takes the stack's own
 * socket handle and Linux constants and addresses (struct sockaddr as bytes, with its
 * length), and returns 0 / a count on success or a negative Linux errno. Calls may
 * block the calling thread (accept, connect, recv, send) unless the socket is
 * non-blocking or `flags` has MSG_DONTWAIT; the kernel passes O_NONBLOCK changes down
 * through set_nonblocking. */
struct tessera_socket_ops {
  const char* stack_name; /* "lwip" */
  int (*create)(int domain, int type, int protocol, void** out);
  int (*close)(void* socket);
  int (*bind)(void* socket, const void* address, uint32_t length);
  int (*listen)(void* socket, int backlog);
  /* *out: the new connection's handle; address/length may be null. */
  int (*accept)(void* socket, void** out, void* address, uint32_t* length);
  int (*connect)(void* socket, const void* address, uint32_t length);
  int64_t (*sendto)(void* socket, const void* data, size_t size, int flags, const void* to, uint32_t to_length);
  int64_t (*recvfrom)(void* socket, void* buffer, size_t size, int flags, void* from, uint32_t* from_length);
  int (*shutdown)(void* socket, int how);
  int (*setsockopt)(void* socket, int level, int name, const void* value, uint32_t length);
  int (*getsockopt)(void* socket, int level, int name, void* value, uint32_t* length);
  int (*getsockname)(void* socket, void* address, uint32_t* length);
  int (*getpeername)(void* socket, void* address, uint32_t* length);
  int (*set_nonblocking)(void* socket, int nonblocking);
  /* Never blocks: which of `events` (POLL* bits) hold now, plus POLLERR/POLLHUP. */
  int (*poll)(void* socket, int events);
  /* Gives `device` an address (all in network byte order; 0 gateway: none). */
  int (*configure)(tessera_netdev* device, uint32_t address, uint32_t netmask, uint32_t gateway);
  /* Prints the stack's counters (frames, drops by reason, connections) to the log. */
  void (*log_statistics)(void);
};

/* Makes `ops` serve every socket call; one stack at a time (-EBUSY). */
int tessera_socket_provider_register(const struct tessera_socket_ops* ops);
int tessera_socket_provider_unregister(const struct tessera_socket_ops* ops);
/* The stack calls this whenever one of its sockets may have become readable, writable
 * or closed, so threads in poll() look again. Cheap; callable from any context. */
void tessera_socket_notify(void);
/* Asks the stack to give `device` an address (used by DHCP clients; network byte order). */
int tessera_net_configure(tessera_netdev* device, uint32_t address, uint32_t netmask, uint32_t gateway);

#ifdef __cplusplus
}  /* extern "C" */
#endif

#endif /* TESSERA_SOCKET_API_H */
