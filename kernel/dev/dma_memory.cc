#include "dev/dma_memory.hh"

#include <tessera/platform.hh>

#include "mm/page_allocator.hh"

namespace tessera {
namespace {

size_t pages_for(size_t size) { return (size + platform::kPageSize - 1) / platform::kPageSize; }

}  // namespace

Result<DmaMemory::Block> DmaMemory::allocate(size_t size) {
  if (size == 0) return Error::with_message(kEINVAL, "dma: cannot allocate 0 bytes");
  if (size > (size_t{1} << 40)) return Error::with_message(kENOMEM, "dma: %zu bytes is more than RAM can hold", size);
  size_t pages = pages_for(size);
  void* memory = TRY(page_allocator().allocate(pages));
  auto first = platform::dma_address(memory);
  if (first.is_error()) {
    page_allocator().free(memory, pages);
    return Error::with_message(first.error().code(), "dma: devices cannot reach guest RAM here: %s",
                               first.error().message());
  }
  auto* bytes = static_cast<uint8_t*>(memory);
  for (size_t page = 1; page < pages; ++page) {
    auto address = platform::dma_address(bytes + page * platform::kPageSize);
    if (address.is_error() || address.value() != first.value() + page * platform::kPageSize) {
      page_allocator().free(memory, pages);
      return Error::with_message(kENOMEM, "dma: %zu pages at %p are not contiguous for devices", pages, memory);
    }
  }
  __builtin_memset(memory, 0, pages * platform::kPageSize);
  return Block{memory, first.value()};
}

Result<void> DmaMemory::free(void* memory, size_t size) {
  auto address = reinterpret_cast<uintptr_t>(memory);
  if (!memory || size == 0 || address % platform::kPageSize != 0 || !page_allocator().owns(memory))
    return Error::with_message(kEINVAL, "dma: %p (%zu bytes) was not allocated by tessera_dma_alloc", memory, size);
  page_allocator().free(memory, pages_for(size));
  return {};
}

}  // namespace tessera
