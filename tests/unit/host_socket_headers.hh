#pragma once
// Unit tests of the socket layer run in a Linux process: glibc's socket headers provide
// struct sockaddr, pollfd, addrinfo and the constants (same names, values and layouts as
// tessera/socket_api.h, which the kernel's own build uses), so the kernel's header is
// told to leave them out.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>

#define TESSERA_MODULE_API_NO_LIBC
