#pragma once
// Memory devices reach by DMA: whole pages from the page allocator, zeroed, contiguous
// in the device's view (checked page by page through platform::dma_address, so the
// kernel assumes nothing about how the platform maps RAM).
#include <stddef.h>
#include <stdint.h>
#include <tessera/result.hh>

namespace tessera {

class DmaMemory {
 public:
  struct Block {
    void* memory;
    uint64_t device_address;
  };
  // ENODEV where devices see no guest RAM (hosted); ENOMEM; EINVAL for size 0.
  static Result<Block> allocate(size_t size);
  // EINVAL for memory allocate() did not hand out with that size.
  static Result<void> free(void* memory, size_t size);
};

}  // namespace tessera
