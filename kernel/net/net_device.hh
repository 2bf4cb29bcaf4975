#pragma once
// One network device: the driver's transmit entry, the stack's receive entry, link
// state and counters. The kernel sits between driver and stack and knows no protocol:
// it checks frame lengths, counts frames and drops, and forwards.
// tessera_netdev* in the module API is a NetDevice*.
#include <stddef.h>
#include <stdint.h>
#include <tessera/device_api.h>
#include <tessera/result.hh>

namespace tessera {

class NetDevice {
 public:
  using Receive = void (*)(void* consumer, const void* frame, size_t length);
  static constexpr size_t kEthernetHeader = 14;
  static constexpr size_t kNameCapacity = 16;

  NetDevice(const tessera_netdev_ops& ops, void* driver, const tessera_netdev_info& info, unsigned number);

  const char* name() const { return name_; }
  unsigned number() const { return number_; }
  const tessera_netdev_info& info() const { return info_; }
  const tessera_netdev_stats& stats() const { return stats_; }
  const char* driver_name() const { return ops_.driver_name ? ops_.driver_name : "?"; }
  bool link_up() const { return link_up_; }
  void set_link(bool up) { link_up_ = up; }
  size_t max_frame() const { return kEthernetHeader + info_.mtu; }

  // Frames from the driver: to the consumer, or dropped and counted. A well-formed frame
  // with no consumer attached also goes to the unattached hook, if one is set.
  void receive(const void* frame, size_t length);
  // Called (device-line context: must not block) for each frame that arrives while no
  // consumer is attached; how the first frame asks for the network stack. Null: none.
  using UnattachedHook = void (*)(NetDevice& device);
  static void set_unattached_hook(UnattachedHook hook);
  // EBUSY while another consumer is attached; a null `receive` detaches.
  Result<void> attach(Receive receive, void* consumer);
  // Frames from the stack: 0, or -EMSGSIZE, -EINVAL (shorter than a header), -ENETDOWN,
  // or the driver's error; every refusal counts as a dropped frame. A plain errno, not
  // a Result: this is the hot path, and a full queue (-ENOBUFS) is routine.
  int transmit(const void* frame, size_t length);

 private:
  tessera_netdev_ops ops_;
  void* driver_;
  tessera_netdev_info info_;
  unsigned number_;
  char name_[kNameCapacity] = {};
  bool link_up_ = true;
  Receive receive_ = nullptr;
  void* consumer_ = nullptr;
  tessera_netdev_stats stats_ = {};
};

}  // namespace tessera
