// Force-included before httpd's and echo's sources when they are built as Linux programs
// (tests/net: httpd_on_linux, echo_on_linux): the socket calls are then glibc's, which
// have the same names, constants and semantics as tessera/socket_api.h's.
#pragma once
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
