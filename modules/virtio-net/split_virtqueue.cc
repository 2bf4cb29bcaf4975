#include "split_virtqueue.hh"

#include <tessera/module_api.h>

namespace vnet {
namespace {

constexpr uint16_t kDescriptorNext = 1, kDescriptorWrite = 2;
constexpr uint16_t kUsedNoNotify = 1;
constexpr int kENOMEM = 12;

struct Descriptor {
  uint64_t address;
  uint32_t length;
  uint16_t flags;
  uint16_t next;
};
static_assert(sizeof(Descriptor) == 16);
struct UsedElement {
  uint32_t id;
  uint32_t length;
};

size_t align_up(size_t value, size_t alignment) { return (value + alignment - 1) & ~(alignment - 1); }

// Orders the ring writes before the index (and the index before a notification) as the
// device sees them. x86 keeps stores in order, but the compiler must not move them.
inline void store_barrier() { asm volatile("" ::: "memory"); }
inline void full_barrier() { asm volatile("mfence" ::: "memory"); }

}  // namespace

int SplitVirtqueue::create(uint16_t size, size_t buffer_size) {
  size_ = size;
  buffer_size_ = buffer_size;
  // Descriptor table (16-aligned), available ring (2-aligned: flags, idx, ring[size],
  // used_event), used ring (4-aligned: flags, idx, ring[size] of 8 bytes, avail_event).
  avail_offset_ = size_t(size) * sizeof(Descriptor);
  used_offset_ = align_up(avail_offset_ + 6 + 2 * size_t(size), 4);
  rings_bytes_ = align_up(used_offset_ + 6 + 8 * size_t(size), 4096);
  void* rings = nullptr;
  if (int error = tessera_dma_alloc(rings_bytes_, &rings, &rings_dma_)) return error;
  rings_ = static_cast<uint8_t*>(rings);
  void* buffers = nullptr;
  if (int error = tessera_dma_alloc(size_t(size) * buffer_size, &buffers, &buffers_dma_)) {
    destroy();
    return error;
  }
  buffers_ = static_cast<uint8_t*>(buffers);
  outstanding_ = static_cast<bool*>(calloc(size, sizeof(bool)));
  if (!outstanding_) {
    destroy();
    return -kENOMEM;
  }
  auto* descriptors = reinterpret_cast<volatile Descriptor*>(rings_);
  for (uint16_t id = 0; id < size; ++id) {
    descriptors[id].address = buffers_dma_ + uint64_t(id) * buffer_size;
    descriptors[id].length = 0;
    descriptors[id].flags = 0;
    descriptors[id].next = 0;
  }
  return 0;
}

void SplitVirtqueue::destroy() {
  if (buffers_) tessera_dma_free(buffers_, size_t(size_) * buffer_size_);
  if (rings_) tessera_dma_free(rings_, rings_bytes_);
  free(outstanding_);
  buffers_ = nullptr;
  rings_ = nullptr;
  outstanding_ = nullptr;
}

void SplitVirtqueue::add(uint16_t id, uint32_t length, bool device_writes) {
  auto* descriptors = reinterpret_cast<volatile Descriptor*>(rings_);
  descriptors[id].length = length;
  descriptors[id].flags = device_writes ? kDescriptorWrite : 0;
  (void)kDescriptorNext;
  auto* ring = reinterpret_cast<volatile uint16_t*>(rings_ + avail_offset_ + 4);
  ring[next_avail_ & (size_ - 1)] = id;
  ++next_avail_;
  outstanding_[id] = true;
}

void SplitVirtqueue::publish() {
  store_barrier();
  *reinterpret_cast<volatile uint16_t*>(rings_ + avail_offset_ + 2) = next_avail_;
  full_barrier();  // the index before the notification that may follow, and before reading used->flags
}

bool SplitVirtqueue::notification_wanted() const {
  return !(*reinterpret_cast<volatile uint16_t*>(rings_ + used_offset_) & kUsedNoNotify);
}

SplitVirtqueue::Take SplitVirtqueue::take_used(uint16_t& id, uint32_t& length, bool& length_ok) {
  uint16_t device_index = *reinterpret_cast<volatile uint16_t*>(rings_ + used_offset_ + 2);
  if (device_index == last_used_) return Take::kNone;
  if (uint16_t(device_index - last_used_) > size_) return Take::kBroken;
  store_barrier();  // read the element after the index (x86 keeps loads in order)
  auto* ring = reinterpret_cast<volatile UsedElement*>(rings_ + used_offset_ + 4);
  uint32_t used_id = ring[last_used_ & (size_ - 1)].id;
  uint32_t used_length = ring[last_used_ & (size_ - 1)].length;
  ++last_used_;
  if (used_id >= size_ || !outstanding_[used_id]) return Take::kBadId;
  id = uint16_t(used_id);
  outstanding_[id] = false;
  length_ok = used_length <= buffer_size_;
  length = length_ok ? used_length : uint32_t(buffer_size_);
  return Take::kTaken;
}

}  // namespace vnet
