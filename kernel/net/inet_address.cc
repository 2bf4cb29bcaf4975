#include "net/inet_address.hh"

#include <tessera/format.hh>

namespace tessera::inet {

bool parse_ipv4(ktl::StringView text, uint32_t& out) {
  uint32_t address = 0;
  size_t part = 0;
  size_t digits = 0;
  uint32_t value = 0;
  for (size_t i = 0; i <= text.length(); ++i) {
    if (i == text.length() || text[i] == '.') {
      if (digits == 0 || part == 4) return false;
      address = address << 8 | value;
      ++part;
      digits = 0;
      value = 0;
      continue;
    }
    char c = text[i];
    if (c < '0' || c > '9') return false;
    if (digits == 1 && value == 0) return false;  // leading zero
    value = value * 10 + uint32_t(c - '0');
    if (value > 255) return false;
    ++digits;
  }
  if (part != 4) return false;
  out = address;
  return true;
}

size_t format_ipv4(uint32_t address, char* out) {
  return format(out, kAddressTextCapacity, "%u.%u.%u.%u", address >> 24, address >> 16 & 0xff, address >> 8 & 0xff,
                address & 0xff);
}

bool parse_port(ktl::StringView text, uint16_t& out) {
  if (text.empty() || text.length() > 5) return false;
  uint32_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + uint32_t(c - '0');
  }
  if (value > 65535) return false;
  out = uint16_t(value);
  return true;
}

}  // namespace tessera::inet
