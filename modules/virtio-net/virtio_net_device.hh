#pragma once
// One virtio-net device (virtio 1.x, 5.1): feature negotiation, a receive queue kept
// full of buffers, a bounded transmit queue, and the network device registered with the
// kernel. No offloads: VIRTIO_F_VERSION_1, VIRTIO_NET_F_MAC and VIRTIO_NET_F_STATUS
// only, so every buffer starts with the 12-byte virtio_net_hdr (all zero on transmit).
#include <stdint.h>
#include <tessera/module_api.h>

#include "split_virtqueue.hh"
#include "virtio_net.h"

struct virtio_net {
  const virtio_transport_ops* ops = nullptr;
  void* transport = nullptr;
  char location[48] = {};
  uint64_t features = 0;
  vnet::SplitVirtqueue receive, transmit;
  uint16_t* transmit_free = nullptr;  // ids of transmit buffers the device does not hold
  uint16_t transmit_free_count = 0;
  tessera_netdev* netdev = nullptr;
  bool broken = false;  // the device broke the ring protocol: nothing more is exchanged
  uint64_t bad_used = 0;  // used elements refused (unknown id, bad length)
};

namespace vnet {

inline constexpr uint16_t kReceiveQueue = 0, kTransmitQueue = 1;
inline constexpr size_t kHeaderBytes = 12;      // virtio_net_hdr with VERSION_1
inline constexpr size_t kMaxFrameBytes = 1514;  // 1500 + Ethernet header, no FCS
inline constexpr size_t kBufferBytes = 1536;    // header + frame, rounded up
inline constexpr uint16_t kMaxQueueSize = 128;

int attach(const virtio_transport_ops* ops, void* transport, const char* location, ::virtio_net** out);
void interrupt(::virtio_net* device, bool config_changed);

}  // namespace vnet
