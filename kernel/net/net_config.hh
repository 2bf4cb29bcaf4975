#pragma once
// The kernel option net.ip: how the boot brings networking up.
//   (absent or empty)          no network: no driver, no stack
//   dhcp                       address from a DHCP server (module net-dhcp)
//   A.B.C.D/N[,gw=A.B.C.D]     a static address, prefix length 1..32, optional gateway
#include <stdint.h>
#include <tessera/ktl/string_view.hh>
#include <tessera/result.hh>

namespace tessera {

struct NetConfig {
  enum class Mode : uint8_t { kNone, kDhcp, kStatic };
  Mode mode = Mode::kNone;
  // kStatic only; host byte order; gateway 0 when none.
  uint32_t address = 0;
  uint32_t prefix_length = 0;
  uint32_t gateway = 0;

  static constexpr const char* kSyntax = "dhcp or A.B.C.D/N[,gw=A.B.C.D]";

  // EINVAL with a message naming what is wrong ("prefix length 33 is not 1..32").
  static Result<NetConfig> parse(ktl::StringView text);
  uint32_t netmask() const { return prefix_length == 0 ? 0 : ~uint32_t{0} << (32 - prefix_length); }
};

}  // namespace tessera
