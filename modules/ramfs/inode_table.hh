#pragma once
// Inode numbers -> inodes, O(1) both ways. Number n is slot n - 1; free slots form a
// list threaded through the table itself (a slot holds an inode pointer, or the next
// free index tagged with the low bit, which an aligned pointer never has), so numbers
// are reused (the most recently freed first) and nothing else is allocated.
#include <stddef.h>
#include <stdint.h>
#include "ram_memory.hh"

namespace tessera::ramfs {

struct RamInode;

class InodeTable {
 public:
  // The inode numbered `number`, or null.
  RamInode* find(uint64_t number) const;
  // Gives `inode` a number; 0 or -errno (the table may need to grow).
  int add(RamMemory& memory, RamInode* inode);
  void remove(const RamInode* inode);
  uint64_t count() const { return count_; }
  uint64_t slot_count() const { return capacity_; }
  // The inode in slot `index`, or null for a free slot: for walking every inode.
  RamInode* slot(uint64_t index) const;
  void release(RamMemory& memory);

 private:
  static constexpr uintptr_t kFreeTag = 1;
  static constexpr uint64_t kNoFree = UINT64_MAX >> 1;

  uintptr_t* slots_ = nullptr;
  uint64_t capacity_ = 0;
  uint64_t count_ = 0;
  uint64_t first_free_ = kNoFree;
};

}  // namespace tessera::ramfs
