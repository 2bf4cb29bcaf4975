#pragma once
// These tests run in a Linux process: glibc's headers provide struct sockaddr, pollfd
// and the constants (Linux's values and layouts, which tessera/socket_api.h repeats for
// guest code), so the kernel's headers are told to leave them out.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>

#define TESSERA_MODULE_API_NO_LIBC
