#pragma once
// One byte per page of guest RAM saying what the heap keeps there, so that free() can
// tell a slab block from a large block from a pointer the heap never handed out without
// reading memory the pointer merely claims is a header. Tables are made lazily, one per
// page-allocator region, the first time the heap takes pages from that region.
#include <stddef.h>
#include <stdint.h>
#include <tessera/platform.hh>
#include <tessera/result.hh>
#include "mm/page_allocator.hh"

namespace tessera {

class HeapPageTags {
 public:
  static constexpr uint8_t kNone = 0;
  // The page holding a large block's user pointer (its header is just below it).
  static constexpr uint8_t kLargeBlock = 0x40;
  // A slab page; the low bits are its page offset from the slab's header.
  static constexpr uint8_t kSlab = 0x80;
  static constexpr uint8_t kSlabOffsetMask = 0x3f;

  constexpr HeapPageTags() = default;

  void reset();

  // The tag of the page holding `address`, or null outside every table.
  uint8_t* find(uintptr_t address) const {
    for (size_t i = 0; i < table_count_; ++i) {
      uintptr_t offset = address - tables_[i].base;
      if (offset < tables_[i].bytes) return &tables_[i].tags[offset / platform::kPageSize];
    }
    return nullptr;
  }
  uint8_t tag_of(uintptr_t address) const {
    uint8_t* tag = find(address);
    return tag ? *tag : kNone;
  }

  // Makes sure `address` (owned by `pages`) has a table, taking its pages from `pages`;
  // `pages_taken` grows by how many it took. ENOMEM when they cannot be had.
  Result<void> track(uintptr_t address, PageAllocator& pages, size_t& pages_taken);

  // Tags `count` pages from `first_page`, which must be tracked. For slab runs each
  // page gets kSlab | its offset.
  void tag_slab(uintptr_t first_page, size_t count);
  void set(uintptr_t page, uint8_t tag);
  void clear(uintptr_t first_page, size_t count);

 private:
  struct Table {
    uintptr_t base = 0;
    size_t bytes = 0;
    uint8_t* tags = nullptr;
  };
  uint8_t* slot(uintptr_t address);  // find(), or a panic

  Table tables_[PageAllocator::kMaxRegions] = {};
  size_t table_count_ = 0;
};

}  // namespace tessera
