#include "mm/heap_page_tags.hh"

#include <tessera/panic.hh>

namespace tessera {

void HeapPageTags::reset() {
  for (auto& table : tables_) table = Table{};
  table_count_ = 0;
}

Result<void> HeapPageTags::track(uintptr_t address, PageAllocator& pages, size_t& pages_taken) {
  for (size_t i = 0; i < table_count_; ++i)
    if (address - tables_[i].base < tables_[i].bytes) return {};
  MemoryRegion region = pages.usable_region(reinterpret_cast<void*>(address));
  if (region.size == 0) panic("heap: page %#zx is not the page allocator's", size_t(address));
  // A table per region can always be added: the allocator has at most as many regions.
  if (table_count_ == PageAllocator::kMaxRegions) panic("heap: more page tag tables than memory regions");
  size_t tag_bytes = region.size / platform::kPageSize;
  size_t table_pages = (tag_bytes + platform::kPageSize - 1) / platform::kPageSize;
  void* table = TRY(pages.allocate(table_pages));
  __builtin_memset(table, 0, tag_bytes);
  tables_[table_count_++] = Table{region.start, region.size, static_cast<uint8_t*>(table)};
  pages_taken += table_pages;
  return {};
}

uint8_t* HeapPageTags::slot(uintptr_t address) {
  if (uint8_t* tag = find(address)) return tag;
  panic("heap: page %#zx has no tag table", size_t(address));
}

void HeapPageTags::tag_slab(uintptr_t first_page, size_t count) {
  uint8_t* tags = slot(first_page);
  for (size_t offset = 0; offset < count; ++offset) tags[offset] = uint8_t(kSlab | offset);
}

void HeapPageTags::set(uintptr_t page, uint8_t tag) { *slot(page) = tag; }

void HeapPageTags::clear(uintptr_t first_page, size_t count) { __builtin_memset(slot(first_page), 0, count); }

}  // namespace tessera
