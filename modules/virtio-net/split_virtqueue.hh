#pragma once
// A split virtqueue (virtio 1.x, 2.7) whose descriptor i always points at buffer i of a
// DMA region the queue owns: one buffer per descriptor, no chains, no indirect tables.
// The device is not trusted: every used element's id is checked against what the driver
// made available, and its length against the buffer, before anything is read.
#include <stddef.h>
#include <stdint.h>

namespace vnet {

class SplitVirtqueue {
 public:
  // Rings for `size` entries (a power of two) and `size` buffers of `buffer_size` bytes,
  // all from tessera_dma_alloc. 0 or a negative errno.
  int create(uint16_t size, size_t buffer_size);
  void destroy();

  uint16_t size() const { return size_; }
  size_t buffer_size() const { return buffer_size_; }
  uint64_t descriptors_address() const { return rings_dma_; }
  uint64_t driver_area_address() const { return rings_dma_ + avail_offset_; }
  uint64_t device_area_address() const { return rings_dma_ + used_offset_; }
  uint8_t* buffer(uint16_t id) { return buffers_ + size_t(id) * buffer_size_; }
  bool outstanding(uint16_t id) const { return outstanding_[id]; }

  // Makes buffer `id` (the first `length` bytes) available; the device writes it when
  // `device_writes`. Visible to the device after publish().
  void add(uint16_t id, uint32_t length, bool device_writes);
  void publish();
  // False when the device asked not to be notified (VIRTQ_USED_F_NO_NOTIFY).
  bool notification_wanted() const;

  enum class Take { kNone, kTaken, kBadId, kBroken };
  // The next element the device used: kTaken with id and length (length not yet checked
  // against anything but the buffer size: larger lengths are clamped and flagged by
  // *length_ok = false); kBadId for an id the driver did not make available (skipped);
  // kBroken when the used index jumped further than the ring holds.
  Take take_used(uint16_t& id, uint32_t& length, bool& length_ok);

 private:
  uint16_t size_ = 0;
  size_t buffer_size_ = 0;
  uint8_t* rings_ = nullptr;
  size_t rings_bytes_ = 0;
  uint64_t rings_dma_ = 0;
  size_t avail_offset_ = 0, used_offset_ = 0;
  uint8_t* buffers_ = nullptr;
  uint64_t buffers_dma_ = 0;
  bool* outstanding_ = nullptr;
  uint16_t next_avail_ = 0;  // the driver's copy of avail->idx
  uint16_t last_used_ = 0;   // used->idx as far as the driver has consumed it
};

}  // namespace vnet
