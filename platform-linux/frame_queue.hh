#pragma once
// Frames between the guest's thread and the backend's poll thread, one queue per
// direction: for the guest (filled by the poll thread, emptied by host_network_receive)
// and, for libslirp, from the guest. Bounded: a side that stops reading costs at most
// kCapacity slots, and frames beyond that are dropped and counted (TCP on both sides
// recovers, as on a real NIC whose ring is full).
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <vector>

namespace tessera::linux_host {

class FrameQueue {
 public:
  static constexpr size_t kCapacity = 1024;

  FrameQueue();
  // False when full: the frame was dropped (and counted).
  bool push(const void* frame, size_t length);
  // The next frame's length after copying it to `buffer`; 0 when none waits; -1 when it
  // was longer than `capacity` (it is dropped, as the platform contract says).
  long pop(void* buffer, size_t capacity);
  uint64_t dropped() const;
  size_t size() const;

 private:
  mutable std::mutex mutex_;
  // A ring of reusable buffers: steady traffic allocates nothing per frame.
  std::vector<std::vector<uint8_t>> slots_;
  size_t head_ = 0;
  size_t count_ = 0;
  uint64_t dropped_ = 0;
};

}  // namespace tessera::linux_host
