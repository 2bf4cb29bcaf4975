#pragma once
// `tessera run --net SPEC`: one guest network port, the same spelling on both platforms.
//   user[,hostfwd=tcp:[HOSTADDR]:HOSTPORT-[GUESTADDR]:GUESTPORT]...   libslirp / QEMU -netdev user
//   tap,ifname=NAME                                                    a TAP device (root)
// Hosted, platform-linux implements the port (docs/networking.md); under QEMU the runner
// maps it to -netdev plus the machine's virtio-net device.
#include <cstdint>
#include <string>
#include <vector>

#include "image/expected.hh"

namespace tessera::cli {

struct PortForward {
  std::string protocol = "tcp";  // tcp or udp
  std::string host_address;      // empty: 127.0.0.1 (QEMU's default too)
  uint16_t host_port = 0;
  std::string guest_address;     // empty: the address the guest leases (10.0.2.15)
  uint16_t guest_port = 0;
};

struct NetworkOption {
  enum class Backend { kUser, kTap };
  Backend backend = Backend::kUser;
  std::vector<PortForward> forwards;  // kUser
  std::string tap_name;               // kTap
  std::string spec;                   // as the user wrote it, for messages
};

// The error names the part that was wrong: "--net: unknown backend 'usr' (known: user, tap)".
image::Expected<NetworkOption> parse_network_option(const std::string& spec);

}  // namespace tessera::cli
