#pragma once
// Every byte ramfs holds comes through here: file data, names, directory tables, inodes.
// Two limits apply, and they are told apart because callers and users react differently:
// the filesystem's own capacity (like tmpfs's size=) gives ENOSPC, and the kernel heap
// refusing gives ENOMEM. Either way nothing is allocated and nothing changes.
#include <stddef.h>
#include <stdint.h>

namespace tessera::ramfs {

class RamMemory {
 public:
  // Where memory comes from: malloc/free in the module, a failure-injecting heap in tests.
  struct Allocator {
    void* (*allocate)(void* context, size_t size) = nullptr;
    void (*free)(void* context, void* pointer) = nullptr;
    void* context = nullptr;
  };

  // `capacity` 0 means no limit but the heap's.
  RamMemory(Allocator allocator, uint64_t capacity) : allocator_(allocator), capacity_(capacity) {}

  // nullptr with `error` set to -ENOSPC or -ENOMEM when the memory cannot be had.
  // `replacing`: the size of a block the caller frees right after (a buffer being
  // reallocated), so that the capacity limits what is held, not the copy in between.
  void* allocate(size_t size, int& error, size_t replacing = 0);
  // `size` must be what was allocated: it is what the accounting gives back.
  void release(void* pointer, size_t size);

  uint64_t used() const { return used_; }
  uint64_t capacity() const { return capacity_; }

 private:
  Allocator allocator_;
  uint64_t capacity_;
  uint64_t used_ = 0;
};

}  // namespace tessera::ramfs
