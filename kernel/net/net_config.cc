#include "net/net_config.hh"

#include "net/inet_address.hh"

namespace tessera {
namespace {

Error invalid(ktl::StringView text, const char* why) {
  int shown = int(text.length() > 48 ? 48 : text.length());
  return Error::with_message(kEINVAL, "kernel option 'net.ip' expects %s, got '%.*s%s': %s", NetConfig::kSyntax, shown,
                             text.data(), text.length() > 48 ? "..." : "", why);
}

}  // namespace

Result<NetConfig> NetConfig::parse(ktl::StringView text) {
  NetConfig config;
  if (text.empty()) return config;
  if (text == "dhcp") {
    config.mode = Mode::kDhcp;
    return config;
  }
  size_t slash = text.find('/');
  if (slash == ktl::StringView::npos) return invalid(text, "no /N prefix length after the address");
  if (!inet::parse_ipv4(text.substr(0, slash), config.address))
    return invalid(text, "the address is not a dotted quad like 10.0.2.15");
  ktl::StringView rest = text.substr(slash + 1);
  size_t comma = rest.find(',');
  ktl::StringView prefix = rest.substr(0, comma);
  uint32_t length = 0;
  if (prefix.empty() || prefix.length() > 2) return invalid(text, "the prefix length is not a number from 1 to 32");
  for (char c : prefix) {
    if (c < '0' || c > '9') return invalid(text, "the prefix length is not a number from 1 to 32");
    length = length * 10 + uint32_t(c - '0');
  }
  if (length < 1 || length > 32) return invalid(text, "the prefix length is not a number from 1 to 32");
  config.prefix_length = length;
  config.mode = Mode::kStatic;
  uint32_t mask = config.netmask();
  if (config.address == 0 || config.address == ~uint32_t{0} || (config.address >> 24) == 127 ||
      (config.address >> 28) == 0xe)
    return invalid(text, "not a usable host address (0, broadcast, loopback or multicast)");
  if (length <= 30 && ((config.address & ~mask) == 0 || (config.address & ~mask) == ~mask))
    return invalid(text, "the address is its subnet's network or broadcast address");
  if (comma == ktl::StringView::npos) return config;

  ktl::StringView option = rest.substr(comma + 1);
  if (!option.starts_with("gw=")) return invalid(text, "after the prefix only ',gw=A.B.C.D' may follow");
  if (!inet::parse_ipv4(option.substr(3), config.gateway))
    return invalid(text, "the gateway is not a dotted quad like 10.0.2.2");
  if ((config.gateway & mask) != (config.address & mask)) return invalid(text, "the gateway is outside the subnet");
  if (config.gateway == config.address) return invalid(text, "the gateway is the address itself");
  return config;
}

}  // namespace tessera
