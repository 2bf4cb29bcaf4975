#include "ram_memory.hh"

#include <tessera/errno.hh>

namespace tessera::ramfs {

void* RamMemory::allocate(size_t size, int& error, size_t replacing) {
  uint64_t after = 0;
  uint64_t kept = used_ >= replacing ? used_ - replacing : 0;
  if (__builtin_add_overflow(used_, uint64_t(size), &after) || (capacity_ && kept + size > capacity_)) {
    error = -kENOSPC;
    return nullptr;
  }
  // A zero-byte request still gets a unique pointer, so an empty name or table is never null.
  void* pointer = allocator_.allocate(allocator_.context, size ? size : 1);
  if (!pointer) {
    error = -kENOMEM;
    return nullptr;
  }
  used_ = after;
  return pointer;
}

void RamMemory::release(void* pointer, size_t size) {
  if (!pointer) return;
  allocator_.free(allocator_.context, pointer);
  used_ -= size;
}

}  // namespace tessera::ramfs
