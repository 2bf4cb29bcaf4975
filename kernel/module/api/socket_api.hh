#pragma once
// The POSIX socket and descriptor calls of tessera/socket_api.h, and the stack's side
// (provider registration, notify, configure), as C++ functions kernel_exports.cc
// publishes under their C names. The POSIX ones set errno as Linux does and return -1.
#include <stddef.h>
#include <stdint.h>
#include <tessera/socket_api.h>

namespace tessera::api {

int socket(int domain, int type, int protocol);
int bind(int fd, const sockaddr* address, socklen_t length);
int listen(int fd, int backlog);
int accept(int fd, sockaddr* address, socklen_t* length);
int accept4(int fd, sockaddr* address, socklen_t* length, int flags);
int connect(int fd, const sockaddr* address, socklen_t length);
ssize_t send(int fd, const void* data, size_t size, int flags);
ssize_t recv(int fd, void* buffer, size_t size, int flags);
ssize_t sendto(int fd, const void* data, size_t size, int flags, const sockaddr* to, socklen_t to_length);
ssize_t recvfrom(int fd, void* buffer, size_t size, int flags, sockaddr* from, socklen_t* from_length);
int shutdown(int fd, int how);
int setsockopt(int fd, int level, int name, const void* value, socklen_t length);
int getsockopt(int fd, int level, int name, void* value, socklen_t* length);
int getsockname(int fd, sockaddr* address, socklen_t* length);
int getpeername(int fd, sockaddr* address, socklen_t* length);

ssize_t read(int fd, void* buffer, size_t size);
ssize_t write(int fd, const void* data, size_t size);
int close(int fd);
int fcntl(int fd, int command, ...);
int poll(pollfd* fds, nfds_t count, int timeout_ms);

int socket_provider_register(const tessera_socket_ops* ops);
int socket_provider_unregister(const tessera_socket_ops* ops);
void socket_notify();
int net_configure(tessera_netdev* device, uint32_t address, uint32_t netmask, uint32_t gateway);

}  // namespace tessera::api
