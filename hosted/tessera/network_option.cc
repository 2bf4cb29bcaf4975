#include "tessera/network_option.hh"

#include <arpa/inet.h>

#include <charconv>
#include <set>
#include <string_view>
#include <tuple>

namespace tessera::cli {
namespace {

using image::fail;

constexpr size_t kMaxInterfaceName = 15;  // IFNAMSIZ - 1

std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  for (;;) {
    auto at = text.find(separator);
    parts.push_back(text.substr(0, at));
    if (at == std::string_view::npos) return parts;
    text.remove_prefix(at + 1);
  }
}

bool parse_port(std::string_view text, uint16_t& port) {
  unsigned value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value == 0 || value > 65535) return false;
  port = uint16_t(value);
  return true;
}

// Numeric IPv4 only, as QEMU's hostfwd: the guest side has no resolver to ask, and a
// host name resolving differently later would forward somewhere unexpected.
bool valid_ipv4(std::string_view text) {
  in_addr ignored;
  return inet_pton(AF_INET, std::string(text).c_str(), &ignored) == 1;
}

// "[ADDR]:PORT"; `side` is "host" or "guest" for messages.
image::Expected<std::pair<std::string, uint16_t>> parse_endpoint(std::string_view text, std::string_view side,
                                                                 std::string_view rule) {
  auto colon = text.rfind(':');
  if (colon == std::string_view::npos)
    return fail("--net: hostfwd '" + std::string(rule) + "': " + std::string(side) + " side '" + std::string(text) +
                "' needs [ADDRESS]:PORT");
  auto address = text.substr(0, colon);
  auto port_text = text.substr(colon + 1);
  if (!address.empty() && !valid_ipv4(address))
    return fail("--net: hostfwd '" + std::string(rule) + "': " + std::string(side) + " address '" +
                std::string(address) + "' is not a numeric IPv4 address");
  uint16_t port = 0;
  if (!parse_port(port_text, port))
    return fail("--net: hostfwd '" + std::string(rule) + "': " + std::string(side) + " port '" +
                std::string(port_text) + "' is not a number from 1 to 65535");
  return std::pair{std::string(address), port};
}

// PROTOCOL:[HOSTADDR]:HOSTPORT-[GUESTADDR]:GUESTPORT (an empty protocol means tcp).
image::Expected<PortForward> parse_forward(std::string_view rule) {
  PortForward forward;
  auto colon = rule.find(':');
  if (colon == std::string_view::npos)
    return fail("--net: hostfwd '" + std::string(rule) +
                "' should look like tcp:[HOSTADDR]:HOSTPORT-[GUESTADDR]:GUESTPORT");
  auto protocol = rule.substr(0, colon);
  if (protocol.empty()) protocol = "tcp";
  if (protocol != "tcp" && protocol != "udp")
    return fail("--net: hostfwd '" + std::string(rule) + "': unknown protocol '" + std::string(protocol) +
                "' (known: tcp, udp)");
  forward.protocol = std::string(protocol);
  auto ends = rule.substr(colon + 1);
  auto dash = ends.find('-');
  if (dash == std::string_view::npos || ends.find('-', dash + 1) != std::string_view::npos)
    return fail("--net: hostfwd '" + std::string(rule) + "': expected one '-' between the host side and the "
                "guest side ([HOSTADDR]:HOSTPORT-[GUESTADDR]:GUESTPORT)");
  auto host = parse_endpoint(ends.substr(0, dash), "host", rule);
  if (!host) return host.failure();
  auto guest = parse_endpoint(ends.substr(dash + 1), "guest", rule);
  if (!guest) return guest.failure();
  std::tie(forward.host_address, forward.host_port) = *host;
  std::tie(forward.guest_address, forward.guest_port) = *guest;
  return forward;
}

bool valid_interface_name(std::string_view name) {
  if (name.empty() || name.size() > kMaxInterfaceName || name == "." || name == "..") return false;
  for (char c : name)
    if (c == '/' || c == ':' || c <= ' ' || c == 127) return false;
  return true;
}

}  // namespace

image::Expected<NetworkOption> parse_network_option(const std::string& spec) {
  NetworkOption option;
  option.spec = spec;
  auto parts = split(spec, ',');
  auto backend = parts[0];
  if (backend == "user") {
    option.backend = NetworkOption::Backend::kUser;
  } else if (backend == "tap") {
    option.backend = NetworkOption::Backend::kTap;
  } else {
    return fail("--net: unknown backend '" + std::string(backend) + "' (known: user, tap)");
  }
  std::set<std::pair<std::string, uint16_t>> host_ports;
  bool named = false;
  for (size_t i = 1; i < parts.size(); ++i) {
    auto part = parts[i];
    auto equals = part.find('=');
    if (equals == std::string_view::npos)
      return fail("--net: '" + std::string(part) + "' in '" + spec + "' should be KEY=VALUE");
    auto key = part.substr(0, equals);
    auto value = part.substr(equals + 1);
    if (option.backend == NetworkOption::Backend::kUser && key == "hostfwd") {
      auto forward = parse_forward(value);
      if (!forward) return forward.failure();
      if (!host_ports.insert({forward->protocol, forward->host_port}).second)
        return fail("--net: hostfwd '" + std::string(value) + "': host " + forward->protocol + " port " +
                    std::to_string(forward->host_port) + " is already forwarded");
      option.forwards.push_back(std::move(*forward));
    } else if (option.backend == NetworkOption::Backend::kTap && key == "ifname") {
      if (!valid_interface_name(value))
        return fail("--net: ifname '" + std::string(value) +
                    "' is not a valid interface name (1 to 15 characters, no '/', ':' or spaces)");
      if (named) return fail("--net: ifname given twice in '" + spec + "'");
      option.tap_name = std::string(value);
      named = true;
    } else {
      return fail("--net: unknown option '" + std::string(key) + "' for " + std::string(backend) +
                  " (known: " + (option.backend == NetworkOption::Backend::kUser ? "hostfwd" : "ifname") + ")");
    }
  }
  if (option.backend == NetworkOption::Backend::kTap && !named)
    return fail("--net: tap needs ifname=NAME (the TAP interface to attach to or create)");
  return option;
}

}  // namespace tessera::cli
