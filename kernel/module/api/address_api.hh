#pragma once
// getaddrinfo and friends for numeric IPv4 hosts and services (no resolver), and
// inet_pton/inet_ntop for AF_INET, as kernel_exports.cc publishes them. Results and
// errno as glibc gives them for the same input.
#include <tessera/socket_api.h>

namespace tessera::api {

int getaddrinfo(const char* node, const char* service, const addrinfo* hints, addrinfo** result);
void freeaddrinfo(addrinfo* list);
const char* gai_strerror(int code);
int inet_pton(int family, const char* text, void* out);
const char* inet_ntop(int family, const void* address, char* buffer, socklen_t size);

}  // namespace tessera::api
