#include "inode_table.hh"

#include <tessera/errno.hh>
#include "ram_inode.hh"

namespace tessera::ramfs {

RamInode* InodeTable::find(uint64_t number) const {
  if (number == 0 || number > capacity_) return nullptr;
  return slot(number - 1);
}

RamInode* InodeTable::slot(uint64_t index) const {
  uintptr_t value = slots_[index];
  return value & kFreeTag ? nullptr : reinterpret_cast<RamInode*>(value);
}

int InodeTable::add(RamMemory& memory, RamInode* inode) {
  if (first_free_ == kNoFree) {
    // Grow, and thread the new slots onto the free list in ascending order.
    if (capacity_ >= (uint64_t(1) << 40)) return -kENOSPC;
    uint64_t capacity = capacity_ ? capacity_ * 2 : 16;
    int error = 0;
    auto* slots = static_cast<uintptr_t*>(memory.allocate(size_t(capacity) * sizeof(uintptr_t), error));
    if (!slots) return error;
    if (capacity_) __builtin_memcpy(slots, slots_, size_t(capacity_) * sizeof(uintptr_t));
    for (uint64_t index = capacity_; index < capacity; ++index)
      slots[index] = uintptr_t(index + 1 < capacity ? index + 1 : kNoFree) << 1 | kFreeTag;
    memory.release(slots_, size_t(capacity_) * sizeof(uintptr_t));
    first_free_ = capacity_;
    slots_ = slots;
    capacity_ = capacity;
  }
  uint64_t index = first_free_;
  first_free_ = slots_[index] >> 1;
  slots_[index] = reinterpret_cast<uintptr_t>(inode);
  inode->number = index + 1;
  ++count_;
  return 0;
}

void InodeTable::remove(const RamInode* inode) {
  uint64_t index = inode->number - 1;
  slots_[index] = uintptr_t(first_free_) << 1 | kFreeTag;
  first_free_ = index;
  --count_;
}

void InodeTable::release(RamMemory& memory) {
  memory.release(slots_, size_t(capacity_) * sizeof(uintptr_t));
  slots_ = nullptr;
  capacity_ = count_ = 0;
  first_free_ = kNoFree;
}

}  // namespace tessera::ramfs
