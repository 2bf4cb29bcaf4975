// The socket provider: tessera_socket_ops over lwIP's socket API. The kernel hands us
// Linux constants and Linux struct layouts and wants Linux errno values back; lwIP has
// its own constants and its own sockaddr (with a length byte), but Linux's errno values
// (lwip/errno.h, checked below), so errno passes through unchanged.
//
// Readiness: poll() in the kernel sleeps until tessera_socket_notify() and then asks
// every socket again through ops.poll (lwip_poll with a zero timeout). lwIP reports every
// change of a socket's readiness through one function, the netconn event callback that
// lwip_socket installs (receive data or a connection or FIN arrived, send buffer freed,
// error). We wrap it: after lwIP has updated the socket's counters we notify. Accepted
// connections inherit the listener's callback, so they are covered too. This is exact
// (no polling, no missed change), unlike hooking the tcpip thread's loop, which would
// also miss changes made by socket calls running under the core lock in other threads.
#include "socket_provider.hh"

#include "port/libc/stdio.h"
#include "port/libc/stdlib.h"
#include "port/libc/string.h"

#include "linux_socket.hh"
#include "lwip/api.h"
// sockets_priv.h declares lwip_socket_dbg_get_socket outside its extern "C" block.
extern "C" {
#include "lwip/priv/sockets_priv.h"
}
#include "lwip/sockets.h"
#include "lwip_netdev.hh"
#include "stack.hh"

namespace tessera::lwip {
namespace {

namespace lx = linux_abi;

static_assert(EAGAIN == 11 && EWOULDBLOCK == 11 && EINPROGRESS == 115 && ECONNREFUSED == 111 &&
                  ECONNRESET == 104 && ENOTCONN == 107 && EADDRINUSE == 98 && EMSGSIZE == 90 && ENOBUFS == 105 &&
                  EHOSTUNREACH == 113 && ECONNABORTED == 103 && EISCONN == 106 && EALREADY == 114 &&
                  ENOPROTOOPT == 92 && EBADF == 9 && EINVAL == 22 && ETIMEDOUT == 110 && EOPNOTSUPP == 95,
              "lwIP's errno values must be Linux's (lwip/errno.h with LWIP_PROVIDE_ERRNO)");

struct Socket {
  int fd;
  int type;         // lx::kSockStream or lx::kSockDgram
  bool connecting;  // a non-blocking connect is in progress: a reset means "refused"
};

// The kernel's handle for lwIP socket `fd` is &g_sockets[fd]: lwIP numbers its sockets
// from 0 below NUM_SOCKETS, so the table never runs out before lwIP does.
Socket g_sockets[NUM_SOCKETS];
netconn_callback g_lwip_event_callback = nullptr;
int g_open = 0;

void event_then_notify(struct netconn* conn, enum netconn_evt event, u16_t length) {
  g_lwip_event_callback(conn, event, length);
  tessera_socket_notify();
}

// lwIP set errno; the negative Linux errno for the provider's return value.
int failure() {
  int error = errno;
  return error > 0 ? -error : -lx::kEIO;
}

Socket* as_socket(void* handle) { return static_cast<Socket*>(handle); }

int wrap(int fd, int type, void** out) {
  if (fd < LWIP_SOCKET_OFFSET || fd >= LWIP_SOCKET_OFFSET + NUM_SOCKETS) {
    lwip_close(fd);
    return -lx::kEIO;
  }
  Socket* socket = &g_sockets[fd - LWIP_SOCKET_OFFSET];
  socket->fd = fd;
  socket->type = type;
  socket->connecting = false;
  if (struct lwip_sock* sock = lwip_socket_dbg_get_socket(fd); sock && sock->conn) {
    if (sock->conn->callback != event_then_notify) {
      g_lwip_event_callback = sock->conn->callback;
      sock->conn->callback = event_then_notify;
    }
  }
  ++g_open;
  *out = socket;
  return 0;
}

// ---- Addresses ----

int address_in(const void* address, uint32_t length, struct sockaddr_in& out) {
  if (!address || length < sizeof(uint16_t)) return -lx::kEINVAL;
  lx::SockaddrIn in;
  memset(&in, 0, sizeof in);
  memcpy(&in, address, length < sizeof in ? length : sizeof in);
  memset(&out, 0, sizeof out);
  out.sin_len = sizeof out;
  if (in.family == lx::kAfUnspec) {
    out.sin_family = AF_UNSPEC;
    return 0;
  }
  if (in.family != lx::kAfInet) return -lx::kEAFNOSUPPORT;
  if (length < sizeof in) return -lx::kEINVAL;
  out.sin_family = AF_INET;
  out.sin_port = in.port;
  out.sin_addr.s_addr = in.address;
  return 0;
}

// Linux semantics: copy what fits, report the full length.
void address_out(const struct sockaddr_in& in, void* address, uint32_t* length) {
  if (!address || !length) return;
  lx::SockaddrIn out;
  memset(&out, 0, sizeof out);
  out.family = lx::kAfInet;
  out.port = in.sin_port;
  out.address = in.sin_addr.s_addr;
  memcpy(address, &out, *length < sizeof out ? *length : sizeof out);
  *length = sizeof out;
}

// ---- Flags and options ----

int message_flags(int flags, int& out) {
  out = 0;
  if (flags & lx::kMsgPeek) out |= MSG_PEEK;
  if (flags & lx::kMsgDontwait) out |= MSG_DONTWAIT;
  if (flags & lx::kMsgWaitall) out |= MSG_WAITALL;
  if (flags & lx::kMsgMore) out |= MSG_MORE;
  // No signals in Tessera: a write to a closed connection is an EPIPE-like error either way.
  int known = lx::kMsgPeek | lx::kMsgDontwait | lx::kMsgWaitall | lx::kMsgMore | lx::kMsgNosignal;
  return (flags & ~known) ? -lx::kEOPNOTSUPP : 0;
}

struct Option {
  int linux_level, linux_name, level, name;
};

constexpr Option kOptions[] = {
    {lx::kSolSocket, lx::kSoReuseaddr, SOL_SOCKET, SO_REUSEADDR},
    {lx::kSolSocket, lx::kSoType, SOL_SOCKET, SO_TYPE},
    {lx::kSolSocket, lx::kSoError, SOL_SOCKET, SO_ERROR},
    {lx::kSolSocket, lx::kSoBroadcast, SOL_SOCKET, SO_BROADCAST},
    {lx::kSolSocket, lx::kSoRcvbuf, SOL_SOCKET, SO_RCVBUF},
    {lx::kSolSocket, lx::kSoKeepalive, SOL_SOCKET, SO_KEEPALIVE},
    {lx::kSolSocket, lx::kSoLinger, SOL_SOCKET, SO_LINGER},
    {lx::kSolSocket, lx::kSoRcvtimeo, SOL_SOCKET, SO_RCVTIMEO},
    {lx::kSolSocket, lx::kSoSndtimeo, SOL_SOCKET, SO_SNDTIMEO},
    {lx::kSolSocket, lx::kSoAcceptconn, SOL_SOCKET, SO_ACCEPTCONN},
    {lx::kIpprotoTcp, lx::kTcpNodelay, IPPROTO_TCP, TCP_NODELAY},
    {lx::kIpprotoTcp, lx::kTcpKeepidle, IPPROTO_TCP, TCP_KEEPIDLE},
    {lx::kIpprotoTcp, lx::kTcpKeepintvl, IPPROTO_TCP, TCP_KEEPINTVL},
    {lx::kIpprotoTcp, lx::kTcpKeepcnt, IPPROTO_TCP, TCP_KEEPCNT},
    {lx::kIpprotoIp, lx::kIpTos, IPPROTO_IP, IP_TOS},
    {lx::kIpprotoIp, lx::kIpTtl, IPPROTO_IP, IP_TTL},
};

const Option* find_option(int level, int name) {
  for (const Option& option : kOptions)
    if (option.linux_level == level && option.linux_name == name) return &option;
  return nullptr;
}

bool is_timeout(const Option& option) {
  return option.level == SOL_SOCKET && (option.name == SO_RCVTIMEO || option.name == SO_SNDTIMEO);
}

// SO_BINDTODEVICE names a kernel device ("eth0"); lwIP wants its own netif name.
int bind_to_device(Socket* socket, const void* value, uint32_t length) {
  char name[16] = {};
  memcpy(name, value, length < sizeof name - 1 ? length : sizeof name - 1);
  struct ifreq request;
  memset(&request, 0, sizeof request);
  if (name[0]) {
    NetdevInterface* interface = interface_named(name);
    if (!interface) return -lx::kENODEV;
    const struct netif& netif = interface->netif;
    snprintf(request.ifr_name, sizeof request.ifr_name, "%c%c%u", netif.name[0], netif.name[1], unsigned(netif.num));
  }
  if (lwip_setsockopt(socket->fd, SOL_SOCKET, SO_BINDTODEVICE, &request, sizeof request) != 0) return failure();
  return 0;
}

// ---- The operations ----

int op_create(int domain, int type, int protocol, void** out) {
  if (domain != lx::kAfInet) return -lx::kEAFNOSUPPORT;
  bool nonblocking = type & lx::kSockNonblock;
  type &= ~(lx::kSockNonblock | lx::kSockCloexec);
  int lwip_type;
  if (type == lx::kSockStream) {
    lwip_type = SOCK_STREAM;
    if (protocol != 0 && protocol != lx::kIpprotoTcp) return -lx::kEPROTONOSUPPORT;
  } else if (type == lx::kSockDgram) {
    lwip_type = SOCK_DGRAM;
    if (protocol != 0 && protocol != lx::kIpprotoUdp) return -lx::kEPROTONOSUPPORT;
  } else {
    return -lx::kESOCKTNOSUPPORT;
  }
  int fd = lwip_socket(AF_INET, lwip_type, protocol);
  if (fd < 0) return failure();
  if (nonblocking && lwip_fcntl(fd, F_SETFL, O_NONBLOCK) != 0) {
    int error = failure();
    lwip_close(fd);
    return error;
  }
  return wrap(fd, type, out);
}

int op_close(void* handle) {
  Socket* socket = as_socket(handle);
  int result = lwip_close(socket->fd) == 0 ? 0 : failure();
  socket->fd = -1;
  --g_open;
  return result;
}

int op_bind(void* handle, const void* address, uint32_t length) {
  struct sockaddr_in in;
  if (int error = address_in(address, length, in)) return error;
  if (in.sin_family != AF_INET) return -lx::kEAFNOSUPPORT;
  return lwip_bind(as_socket(handle)->fd, reinterpret_cast<struct sockaddr*>(&in), sizeof in) == 0 ? 0 : failure();
}

int op_listen(void* handle, int backlog) {
  return lwip_listen(as_socket(handle)->fd, backlog) == 0 ? 0 : failure();
}

int op_accept(void* handle, void** out, void* address, uint32_t* length) {
  Socket* socket = as_socket(handle);
  struct sockaddr_in peer;
  socklen_t peer_length = sizeof peer;
  int fd = lwip_accept(socket->fd, reinterpret_cast<struct sockaddr*>(&peer), &peer_length);
  if (fd < 0) return failure();
  if (int error = wrap(fd, socket->type, out)) return error;
  address_out(peer, address, length);
  return 0;
}

int op_connect(void* handle, const void* address, uint32_t length) {
  Socket* socket = as_socket(handle);
  struct sockaddr_in in;
  if (int error = address_in(address, length, in)) return error;
  if (lwip_connect(socket->fd, reinterpret_cast<struct sockaddr*>(&in), sizeof in) == 0) return 0;
  int error = failure();
  // lwIP reports a reset answering our SYN as ECONNRESET; Linux calls it refused.
  if (error == -lx::kECONNRESET && socket->type == lx::kSockStream) return -lx::kECONNREFUSED;
  if (error == -lx::kEINPROGRESS) socket->connecting = true;
  return error;
}

int64_t op_sendto(void* handle, const void* data, size_t size, int flags, const void* to, uint32_t to_length) {
  Socket* socket = as_socket(handle);
  int lwip_flags;
  if (int error = message_flags(flags, lwip_flags)) return error;
  ssize_t sent;
  if (to) {
    struct sockaddr_in in;
    if (int error = address_in(to, to_length, in)) return error;
    sent = lwip_sendto(socket->fd, data, size, lwip_flags, reinterpret_cast<struct sockaddr*>(&in), sizeof in);
  } else {
    sent = lwip_send(socket->fd, data, size, lwip_flags);
  }
  return sent >= 0 ? sent : failure();
}

int64_t op_recvfrom(void* handle, void* buffer, size_t size, int flags, void* from, uint32_t* from_length) {
  Socket* socket = as_socket(handle);
  int lwip_flags;
  if (int error = message_flags(flags, lwip_flags)) return error;
  struct sockaddr_in peer;
  memset(&peer, 0, sizeof peer);
  socklen_t peer_length = sizeof peer;
  ssize_t received =
      lwip_recvfrom(socket->fd, buffer, size, lwip_flags, reinterpret_cast<struct sockaddr*>(&peer), &peer_length);
  if (received < 0) return failure();
  if (from && from_length) {
    if (peer.sin_family == AF_INET) address_out(peer, from, from_length);
    else *from_length = 0;
  }
  return received;
}

int op_shutdown(void* handle, int how) {
  static_assert(SHUT_RD == 0 && SHUT_WR == 1 && SHUT_RDWR == 2);
  return lwip_shutdown(as_socket(handle)->fd, how) == 0 ? 0 : failure();
}

int op_setsockopt(void* handle, int level, int name, const void* value, uint32_t length) {
  Socket* socket = as_socket(handle);
  if (level == lx::kSolSocket && name == lx::kSoBindtodevice) return bind_to_device(socket, value, length);
  // lwIP's send buffer is TCP_SND_BUF for every connection; accept the request as a hint
  // (Linux rounds and doubles it anyway) so ordinary servers that size it still start.
  if (level == lx::kSolSocket && name == lx::kSoSndbuf) return length >= sizeof(int) ? 0 : -lx::kEINVAL;
  const Option* option = find_option(level, name);
  if (!option) return -lx::kENOPROTOOPT;
  if (!value) return -lx::kEFAULT;
  if (is_timeout(*option)) {
    if (length < sizeof(lx::Timeval)) return -lx::kEINVAL;
    lx::Timeval linux_value;
    memcpy(&linux_value, value, sizeof linux_value);
    struct timeval lwip_value;
    lwip_value.tv_sec = linux_value.seconds;
    lwip_value.tv_usec = linux_value.microseconds;
    return lwip_setsockopt(socket->fd, option->level, option->name, &lwip_value, sizeof lwip_value) == 0 ? 0
                                                                                                         : failure();
  }
  if (option->level == SOL_SOCKET && option->name == SO_LINGER) {
    if (length < sizeof(lx::Linger)) return -lx::kEINVAL;
    lx::Linger linux_value;
    memcpy(&linux_value, value, sizeof linux_value);
    struct linger lwip_value = {linux_value.on, linux_value.seconds};
    return lwip_setsockopt(socket->fd, option->level, option->name, &lwip_value, sizeof lwip_value) == 0 ? 0
                                                                                                         : failure();
  }
  if (length < sizeof(int)) return -lx::kEINVAL;
  int int_value;
  memcpy(&int_value, value, sizeof int_value);
  return lwip_setsockopt(socket->fd, option->level, option->name, &int_value, sizeof int_value) == 0 ? 0
                                                                                                     : failure();
}

int op_getsockopt(void* handle, int level, int name, void* value, uint32_t* length) {
  Socket* socket = as_socket(handle);
  if (!value || !length) return -lx::kEFAULT;
  auto give = [&](const void* data, uint32_t size) {
    memcpy(value, data, *length < size ? *length : size);
    *length = size;
    return 0;
  };
  if (level == lx::kSolSocket && name == lx::kSoSndbuf) {
    int size = TCP_SND_BUF;
    return give(&size, sizeof size);
  }
  const Option* option = find_option(level, name);
  if (!option) return -lx::kENOPROTOOPT;
  if (is_timeout(*option)) {
    struct timeval lwip_value;
    socklen_t lwip_length = sizeof lwip_value;
    if (lwip_getsockopt(socket->fd, option->level, option->name, &lwip_value, &lwip_length) != 0) return failure();
    lx::Timeval linux_value = {lwip_value.tv_sec, lwip_value.tv_usec};
    return give(&linux_value, sizeof linux_value);
  }
  if (option->level == SOL_SOCKET && option->name == SO_LINGER) {
    struct linger lwip_value;
    socklen_t lwip_length = sizeof lwip_value;
    if (lwip_getsockopt(socket->fd, option->level, option->name, &lwip_value, &lwip_length) != 0) return failure();
    lx::Linger linux_value = {lwip_value.l_onoff, lwip_value.l_linger};
    return give(&linux_value, sizeof linux_value);
  }
  if (*length < sizeof(int)) return -lx::kEINVAL;
  int int_value = 0;
  socklen_t lwip_length = sizeof int_value;
  if (lwip_getsockopt(socket->fd, option->level, option->name, &int_value, &lwip_length) != 0) return failure();
  if (option->level == SOL_SOCKET && option->name == SO_TYPE) {
    int_value = int_value == SOCK_STREAM ? lx::kSockStream : lx::kSockDgram;
  } else if (option->level == SOL_SOCKET && option->name == SO_ERROR) {
    if (socket->connecting && int_value != 0) {
      if (int_value == lx::kECONNRESET) int_value = lx::kECONNREFUSED;
      socket->connecting = false;
    }
  } else if (option->level == SOL_SOCKET && option->name != SO_RCVBUF) {
    int_value = int_value != 0;  // lwIP answers flags with the flag bit, Linux with 1
  }
  return give(&int_value, sizeof int_value);
}

int op_getsockname(void* handle, void* address, uint32_t* length) {
  struct sockaddr_in in;
  socklen_t in_length = sizeof in;
  if (lwip_getsockname(as_socket(handle)->fd, reinterpret_cast<struct sockaddr*>(&in), &in_length) != 0)
    return failure();
  address_out(in, address, length);
  return 0;
}

int op_getpeername(void* handle, void* address, uint32_t* length) {
  struct sockaddr_in in;
  socklen_t in_length = sizeof in;
  if (lwip_getpeername(as_socket(handle)->fd, reinterpret_cast<struct sockaddr*>(&in), &in_length) != 0)
    return failure();
  address_out(in, address, length);
  return 0;
}

int op_set_nonblocking(void* handle, int nonblocking) {
  Socket* socket = as_socket(handle);
  int flags = lwip_fcntl(socket->fd, F_GETFL, 0);
  if (flags < 0) return failure();
  flags = nonblocking ? (flags | O_NONBLOCK) : (flags & ~O_NONBLOCK);
  return lwip_fcntl(socket->fd, F_SETFL, flags) == 0 ? 0 : failure();
}

int op_poll(void* handle, int events) {
  Socket* socket = as_socket(handle);
  struct pollfd entry;
  entry.fd = socket->fd;
  entry.events = 0;
  if (events & lx::kPollin) entry.events |= POLLIN;
  if (events & lx::kPollout) entry.events |= POLLOUT;
  entry.revents = 0;
  if (lwip_poll(&entry, 1, 0) < 0) return lx::kPollnval;
  int ready = 0;
  if (entry.revents & POLLIN) ready |= lx::kPollin;
  if (entry.revents & POLLOUT) ready |= lx::kPollout;
  if (entry.revents & POLLERR) ready |= lx::kPollerr;
  if (entry.revents & POLLNVAL) ready |= lx::kPollnval;
  if (entry.revents & POLLHUP) ready |= lx::kPollhup;
  // Connected: from now on a reset is a reset, not a refusal.
  if (socket->connecting && (ready & lx::kPollout) && !(ready & lx::kPollerr)) socket->connecting = false;
  return ready;
}

constexpr struct tessera_socket_ops kOps = {
    .stack_name = "lwip",
    .create = op_create,
    .close = op_close,
    .bind = op_bind,
    .listen = op_listen,
    .accept = op_accept,
    .connect = op_connect,
    .sendto = op_sendto,
    .recvfrom = op_recvfrom,
    .shutdown = op_shutdown,
    .setsockopt = op_setsockopt,
    .getsockopt = op_getsockopt,
    .getsockname = op_getsockname,
    .getpeername = op_getpeername,
    .set_nonblocking = op_set_nonblocking,
    .poll = op_poll,
    .configure = configure_interface,
    .log_statistics = log_statistics,
};

}  // namespace

const struct tessera_socket_ops& socket_ops() { return kOps; }
int open_socket_count() { return g_open; }

}  // namespace tessera::lwip
