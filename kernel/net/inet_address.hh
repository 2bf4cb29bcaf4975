#pragma once
// IPv4 addresses as text: strict dotted quads ("10.0.2.15": four decimal parts 0..255,
// no leading zeros, nothing else), as inet_pton accepts them.
#include <stddef.h>
#include <stdint.h>
#include <tessera/ktl/string_view.hh>

namespace tessera::inet {

inline constexpr size_t kAddressTextCapacity = 16;  // INET_ADDRSTRLEN

// Host byte order in `out`; false for anything but a strict dotted quad.
bool parse_ipv4(ktl::StringView text, uint32_t& out);
// "a.b.c.d" and a NUL into `out` (kAddressTextCapacity bytes); the length.
size_t format_ipv4(uint32_t address, char* out);
// A decimal port 0..65535, nothing else.
bool parse_port(ktl::StringView text, uint16_t& out);

}  // namespace tessera::inet
