#include "module/api/socket_api.hh"

#include <stdarg.h>
#include <tessera/vfs.hh>

#include "fs/vfs/held_description.hh"
#include "fs/vfs/poller.hh"
#include "fs/vfs/vfs.hh"
#include "libc/errno.hh"
#include "log/log.hh"
#include "net/net_device_registry.hh"
#include "net/socket.hh"
#include "net/socket_provider.hh"

namespace tessera::api {
namespace {

static_assert(sizeof(pollfd) == sizeof(PollEntry) && __builtin_offsetof(pollfd, revents) == __builtin_offsetof(PollEntry, revents));
static_assert(SOCK_NONBLOCK == vfs::open_flag::kNonBlocking && O_NONBLOCK == vfs::open_flag::kNonBlocking);
static_assert(POLLIN == vfs::poll_event::kIn && POLLOUT == vfs::poll_event::kOut && POLLNVAL == vfs::poll_event::kInvalid);

constexpr int kTypeFlags = SOCK_NONBLOCK | SOCK_CLOEXEC;

// errno as Linux sets it; the message (naming the descriptor) goes to the debug log.
int64_t fail(const Error& error) {
  log::debug("sockets: %s", error.message());
  libc::set_errno(error.code());
  return -1;
}
int64_t fail(int code) {
  libc::set_errno(code);
  return -1;
}
int64_t succeed(const Result<size_t>& result) { return result.is_ok() ? int64_t(result.value()) : fail(result.error()); }
int64_t succeed(const Result<void>& result) { return result.is_ok() ? 0 : fail(result.error()); }

// Runs call(socket) with the descriptor's description held (the call may block while
// another thread closes the descriptor). EBADF for a closed descriptor, ENOTSOCK for a file.
template <typename Call> int64_t on_socket(int fd, Call&& call) {
  auto description = kernel_vfs().description(fd);
  if (description.is_error()) return fail(kEBADF);
  HeldDescription held(description.value());
  Socket* socket = Socket::from(held->stream());
  if (!socket) return fail(kENOTSOCK);
  return call(*socket, held.get());
}

// Installs a new socket with its descriptor flags; nonblocking reaches the stack first.
int64_t install(Socket* socket, int flags) {
  if (flags & SOCK_NONBLOCK) {
    if (auto set = socket->set_nonblocking(true); set.is_error()) {
      socket->close();
      return fail(set.error());
    }
  }
  auto installed = kernel_vfs().install(*socket, vfs::open_flag::kReadWrite | (flags & SOCK_NONBLOCK));
  return installed.is_ok() ? installed.value() : fail(installed.error());
}

}  // namespace

int socket(int domain, int type, int protocol) {
  const tessera_socket_ops* ops = SocketProvider::get();
  if (!ops) return int(fail(kEAFNOSUPPORT));
  auto created = Socket::create(*ops, domain, type & ~kTypeFlags, protocol);
  if (created.is_error()) return int(fail(created.error()));
  return int(install(created.value(), type & kTypeFlags));
}

int bind(int fd, const sockaddr* address, socklen_t length) {
  return int(on_socket(fd, [&](Socket& s, FileDescription*) {
    if (!s.ops().bind) return fail(kEOPNOTSUPP);
    if (!address) return fail(kEFAULT);
    return succeed(socket_status(s.ops().bind(s.handle(), address, length)));
  }));
}

int listen(int fd, int backlog) {
  return int(on_socket(fd, [&](Socket& s, FileDescription*) {
    if (!s.ops().listen) return fail(kEOPNOTSUPP);
    return succeed(socket_status(s.ops().listen(s.handle(), backlog)));
  }));
}

int accept4(int fd, sockaddr* address, socklen_t* length, int flags) {
  if (flags & ~kTypeFlags) return int(fail(kEINVAL));
  return int(on_socket(fd, [&](Socket& s, FileDescription*) -> int64_t {
    if (!s.ops().accept) return fail(kEOPNOTSUPP);
    if (address && !length) return fail(kEFAULT);
    void* handle = nullptr;
    if (auto status = socket_status(s.ops().accept(s.handle(), &handle, address, length)); status.is_error())
      return fail(status.error());
    auto adopted = Socket::adopt(s.ops(), handle);
    if (adopted.is_error()) {
      s.ops().close(handle);
      return fail(adopted.error());
    }
    return install(adopted.value(), flags);
  }));
}

int accept(int fd, sockaddr* address, socklen_t* length) { return api::accept4(fd, address, length, 0); }

int connect(int fd, const sockaddr* address, socklen_t length) {
  return int(on_socket(fd, [&](Socket& s, FileDescription*) {
    if (!s.ops().connect) return fail(kEOPNOTSUPP);
    if (!address) return fail(kEFAULT);
    return succeed(socket_status(s.ops().connect(s.handle(), address, length)));
  }));
}

ssize_t sendto(int fd, const void* data, size_t size, int flags, const sockaddr* to, socklen_t to_length) {
  return on_socket(fd, [&](Socket& s, FileDescription*) {
    if (!s.ops().sendto) return fail(kEOPNOTSUPP);
    if (!data && size) return fail(kEFAULT);
    return succeed(socket_count(s.ops().sendto(s.handle(), data, size, flags, to, to ? to_length : 0)));
  });
}

ssize_t recvfrom(int fd, void* buffer, size_t size, int flags, sockaddr* from, socklen_t* from_length) {
  return on_socket(fd, [&](Socket& s, FileDescription*) {
    if (!s.ops().recvfrom) return fail(kEOPNOTSUPP);
    if ((!buffer && size) || (from && !from_length)) return fail(kEFAULT);
    return succeed(socket_count(s.ops().recvfrom(s.handle(), buffer, size, flags, from, from ? from_length : nullptr)));
  });
}

ssize_t send(int fd, const void* data, size_t size, int flags) { return api::sendto(fd, data, size, flags, nullptr, 0); }
ssize_t recv(int fd, void* buffer, size_t size, int flags) { return api::recvfrom(fd, buffer, size, flags, nullptr, nullptr); }

int shutdown(int fd, int how) {
  if (how != SHUT_RD && how != SHUT_WR && how != SHUT_RDWR) {
    // Linux checks the descriptor first.
    if (kernel_vfs().description(fd).is_error()) return int(fail(kEBADF));
    return int(fail(kEINVAL));
  }
  return int(on_socket(fd, [&](Socket& s, FileDescription*) {
    if (!s.ops().shutdown) return fail(kEOPNOTSUPP);
    return succeed(socket_status(s.ops().shutdown(s.handle(), how)));
  }));
}

int setsockopt(int fd, int level, int name, const void* value, socklen_t length) {
  return int(on_socket(fd, [&](Socket& s, FileDescription*) {
    if (!s.ops().setsockopt) return fail(kENOPROTOOPT);
    if (!value && length) return fail(kEFAULT);
    return succeed(socket_status(s.ops().setsockopt(s.handle(), level, name, value, length)));
  }));
}

int getsockopt(int fd, int level, int name, void* value, socklen_t* length) {
  return int(on_socket(fd, [&](Socket& s, FileDescription*) {
    if (!s.ops().getsockopt) return fail(kENOPROTOOPT);
    if (!value || !length) return fail(kEFAULT);
    return succeed(socket_status(s.ops().getsockopt(s.handle(), level, name, value, length)));
  }));
}

int getsockname(int fd, sockaddr* address, socklen_t* length) {
  return int(on_socket(fd, [&](Socket& s, FileDescription*) {
    if (!s.ops().getsockname) return fail(kEOPNOTSUPP);
    if (!address || !length) return fail(kEFAULT);
    return succeed(socket_status(s.ops().getsockname(s.handle(), address, length)));
  }));
}

int getpeername(int fd, sockaddr* address, socklen_t* length) {
  return int(on_socket(fd, [&](Socket& s, FileDescription*) {
    if (!s.ops().getpeername) return fail(kEOPNOTSUPP);
    if (!address || !length) return fail(kEFAULT);
    return succeed(socket_status(s.ops().getpeername(s.handle(), address, length)));
  }));
}

ssize_t read(int fd, void* buffer, size_t size) {
  if (!buffer && size) return fail(kEFAULT);
  return succeed(kernel_vfs().read(fd, ktl::MutableBytes(static_cast<uint8_t*>(buffer), size)));
}

ssize_t write(int fd, const void* data, size_t size) {
  if (!data && size) return fail(kEFAULT);
  return succeed(kernel_vfs().write(fd, ktl::Bytes(static_cast<const uint8_t*>(data), size)));
}

int close(int fd) { return int(succeed(kernel_vfs().close(fd))); }

int fcntl(int fd, int command, ...) {
  constexpr int kGetDescriptorFlags = 1, kSetDescriptorFlags = 2;
  switch (command) {
    case F_GETFL: {
      auto flags = kernel_vfs().status_flags(fd);
      return flags.is_ok() ? flags.value() : int(fail(flags.error()));
    }
    case F_SETFL: {
      va_list args;
      va_start(args, command);
      int flags = va_arg(args, int);
      va_end(args);
      return int(succeed(kernel_vfs().set_status_flags(fd, flags)));
    }
    // Nothing is ever exec'd, so FD_CLOEXEC means nothing; report it unset.
    case kGetDescriptorFlags:
    case kSetDescriptorFlags:
      return kernel_vfs().description(fd).is_ok() ? 0 : int(fail(kEBADF));
    default:
      if (kernel_vfs().description(fd).is_error()) return int(fail(kEBADF));
      return int(fail(kEINVAL));
  }
}

int poll(pollfd* fds, nfds_t count, int timeout_ms) {
  if (count > nfds_t(vfs::kMaxFileDescriptors)) return int(fail(kEINVAL));
  if (!fds && count) return int(fail(kEFAULT));
  auto ready = Poller::poll(kernel_vfs(), ktl::Span<PollEntry>(reinterpret_cast<PollEntry*>(fds), count), timeout_ms);
  return ready.is_ok() ? ready.value() : int(fail(ready.error()));
}

int socket_provider_register(const tessera_socket_ops* ops) {
  if (!ops) return -kEFAULT;
  auto added = SocketProvider::add(*ops);
  if (added.is_error()) log::error("%s", added.error().message());
  return added.is_ok() ? 0 : -added.error().code();
}

int socket_provider_unregister(const tessera_socket_ops* ops) {
  auto removed = SocketProvider::remove(ops);
  if (removed.is_error()) log::error("%s", removed.error().message());
  return removed.is_ok() ? 0 : -removed.error().code();
}

void socket_notify() { Poller::notify(); }

int net_configure(tessera_netdev* device, uint32_t address, uint32_t netmask, uint32_t gateway) {
  auto* net_device = reinterpret_cast<NetDevice*>(device);
  if (!NetDeviceRegistry::contains(net_device)) return -kEINVAL;
  const tessera_socket_ops* ops = SocketProvider::peek();
  if (!ops) return -kENETDOWN;
  if (!ops->configure) return -kEOPNOTSUPP;
  return ops->configure(device, address, netmask, gateway);
}

}  // namespace tessera::api
