#pragma once
// Physical-page (guest RAM) allocator over the regions the platform hands over.
// Each region keeps a bitmap of its pages inside its own first pages; nothing else
// is allocated. Pages are platform::kPageSize bytes.
#include <stddef.h>
#include <stdint.h>
#include <tessera/boot_info.hh>
#include <tessera/result.hh>

namespace tessera {

class PageAllocator {
 public:
  static constexpr size_t kMaxRegions = BootInfo::kMaxMemoryRegions;

  struct Stats {
    size_t total_pages = 0;      // usable pages (bitmap pages excluded)
    size_t free_pages = 0;
    size_t largest_free_run = 0; // pages
    uint64_t allocations = 0;
    uint64_t frees = 0;
    uint64_t failed_allocations = 0;
  };

  constexpr PageAllocator() = default;

  // Forgets all regions (the memory itself is the platform's).
  void reset();
  // EINVAL for an unaligned or empty region, or when kMaxRegions are in use; ENOMEM
  // when the region cannot even hold its own bitmap and one usable page.
  Result<void> add_region(MemoryRegion region);

  // `page_count` contiguous pages whose address is a multiple of
  // `alignment_pages` pages (a power of two). ENOMEM names the request and what is free.
  Result<void*> allocate(size_t page_count, size_t alignment_pages = 1);
  // Like allocate(), except that page `aligned_index` of the run is the aligned one:
  // the heap puts a header page right below a large aligned block.
  Result<void*> allocate_offset(size_t page_count, size_t alignment_pages, size_t aligned_index);
  // Panics on a range that is not exactly allocated pages of this allocator.
  void free(void* pages, size_t page_count);

  bool owns(const void* address) const;
  // The usable pages (bitmap excluded) of the region that owns `address`; an empty
  // region when none does. The heap sizes its per-page tables with it.
  MemoryRegion usable_region(const void* address) const;
  Stats stats() const;

 private:
  struct Region {
    uintptr_t first_page = 0;  // first usable page, after the bitmap
    size_t page_count = 0;
    uint64_t* bitmap = nullptr;  // bit set = page in use; bits past page_count are set
    size_t search_hint = 0;      // every page below it is in use
    size_t free_pages = 0;
    uintptr_t start = 0;         // where the bitmap begins
    size_t size = 0;             // whole region, bitmap included, in bytes
  };

  static bool allocate_in(Region& region, size_t page_count, size_t alignment_pages, size_t aligned_index,
                          size_t& index);
  static size_t largest_run_in(const Region& region);
  // Index of the region whose usable pages hold `address`, or kMaxRegions.
  size_t region_owning(uintptr_t address) const;

  Region regions_[kMaxRegions] = {};
  size_t region_count_ = 0;
  uint64_t allocations_ = 0, frees_ = 0, failed_allocations_ = 0;
};

// The kernel's page allocator, set up by kernel_main from BootInfo.
PageAllocator& page_allocator();

}  // namespace tessera
