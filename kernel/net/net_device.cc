#include "net/net_device.hh"

#include <tessera/errno.hh>
#include <tessera/format.hh>

namespace tessera {

NetDevice::NetDevice(const tessera_netdev_ops& ops, void* driver, const tessera_netdev_info& info, unsigned number)
    : ops_(ops), driver_(driver), info_(info), number_(number) {
  format(name_, sizeof name_, "eth%u", number);
}

namespace {
constinit NetDevice::UnattachedHook g_unattached_hook = nullptr;
}  // namespace

void NetDevice::set_unattached_hook(UnattachedHook hook) { g_unattached_hook = hook; }

void NetDevice::receive(const void* frame, size_t length) {
  if (!receive_ || !frame || length < kEthernetHeader || length > max_frame()) {
    // Dropped and counted even when it triggers the stack: the peer retransmits (ARP,
    // TCP's SYN, ping's next echo) once the stack is attached.
    ++stats_.rx_dropped;
    if (!receive_ && frame && length >= kEthernetHeader && length <= max_frame() && g_unattached_hook)
      g_unattached_hook(*this);
    return;
  }
  ++stats_.rx_frames;
  stats_.rx_bytes += length;
  receive_(consumer_, frame, length);
}

Result<void> NetDevice::attach(Receive receive, void* consumer) {
  if (!receive) {
    receive_ = nullptr;
    consumer_ = nullptr;
    return {};
  }
  if (receive_) return Error::with_message(kEBUSY, "net: %s already has a consumer attached", name_);
  receive_ = receive;
  consumer_ = consumer;
  return {};
}

int NetDevice::transmit(const void* frame, size_t length) {
  int status = 0;
  if (!frame || length < kEthernetHeader) status = -kEINVAL;
  else if (length > max_frame()) status = -kEMSGSIZE;
  else if (!link_up_) status = -kENETDOWN;
  else if (!ops_.transmit) status = -kENOSYS;
  else status = ops_.transmit(driver_, frame, length);
  if (status < 0) {
    ++stats_.tx_dropped;
    return status;
  }
  ++stats_.tx_frames;
  stats_.tx_bytes += length;
  return 0;
}

}  // namespace tessera
