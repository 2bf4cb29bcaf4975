#pragma once
#include <tessera/module_api.h>

namespace tessera::lwip {

// The table net-lwip registers with tessera_socket_provider_register: every call is an
// lwip_* socket call with Linux constants, addresses and errno translated.
const struct tessera_socket_ops& socket_ops();

// Sockets currently open through the provider (for statistics).
int open_socket_count();

}  // namespace tessera::lwip
