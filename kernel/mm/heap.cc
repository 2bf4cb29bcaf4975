#include "mm/heap.hh"

#include <tessera/ktl/utility.hh>
#include <tessera/panic.hh>
#include "mm/address_sanitizer.hh"
#include "mm/large_block_header.hh"
#include "mm/slab_header.hh"

namespace tessera {
namespace {

constexpr size_t kPageSize = platform::kPageSize;
using size_classes::kBlockSize;
using size_classes::kGeometry;

constinit Heap g_heap;

SlabHeader* slab_of(uintptr_t address, uint8_t tag, const char* operation) {
  uintptr_t start = ktl::align_down(address, uintptr_t(kPageSize)) -
                    uintptr_t(tag & HeapPageTags::kSlabOffsetMask) * kPageSize;
  auto* slab = reinterpret_cast<SlabHeader*>(start);
  if (slab->magic != SlabHeader::kMagic)
    panic("heap: %s of %p: the header of its slab at %p is corrupt", operation, reinterpret_cast<void*>(address),
          slab);
  return slab;
}

[[noreturn]] void panic_corrupt_free_list(const SlabHeader* slab, uintptr_t block) {
  panic("heap: the free list of the %u-byte slab at %p is corrupt at %p (write after free?)",
        unsigned(kBlockSize[slab->class_index]), slab, reinterpret_cast<void*>(block));
}

}  // namespace

Heap& heap() { return g_heap; }

void Heap::reset(PageAllocator& pages) {
  // Pages taken before are not given back: the caller resets the page allocator too.
  pages_ = &pages;
  for (auto& slab : active_) slab = nullptr;
  for (auto& slab : partial_) slab = nullptr;
  for (auto& slab : spare_) slab = nullptr;
  tags_.reset();
  stats_ = Stats{};
#if TESSERA_ASAN
  quarantine_count_ = quarantine_next_ = 0;
#endif
}

// Under ASan a handed-out block is addressable for exactly the bytes asked for; the rest of
// its slot is a redzone.
inline void hand_out(void* block, size_t size, size_t slot_size) {
  if constexpr (asan::kEnabled) {
    asan::poison(block, slot_size);
    asan::unpoison(block, size);
    asan::record_allocation(block, size);
  }
}

inline void Heap::note_allocation(size_t size) {
  stats_.bytes_in_use += size;
  if (stats_.bytes_in_use > stats_.peak_bytes_in_use) stats_.peak_bytes_in_use = stats_.bytes_in_use;
  ++stats_.allocations;
}

void* Heap::allocate(size_t size, size_t alignment) {
  if (__builtin_expect(size <= size_classes::kMaxSize && alignment <= size_classes::kMinAlignment &&
                           ktl::is_power_of_two(alignment),
                       1))
    return allocate_small(size, size_classes::index_for(size));
  if (!ktl::is_power_of_two(alignment)) {
    ++stats_.failed_allocations;
    return nullptr;
  }
  alignment = ktl::max(alignment, size_classes::kMinAlignment);
  // A class whose block size is a multiple of the alignment gives aligned blocks (they
  // are packed against the page-aligned end of their slab); rounding the size up to a
  // multiple of the alignment lands on such a class.
  if (alignment <= kPageSize && size <= size_classes::kMaxSize) {
    size_t rounded = ktl::align_down(ktl::max(size, size_t{1}) + alignment - 1, alignment);
    if (rounded <= size_classes::kMaxSize) {
      size_t class_index = size_classes::index_for(rounded);
      if (kBlockSize[class_index] % alignment == 0) return allocate_small(size, class_index);
    }
  }
  return allocate_large(size, alignment);
}

inline void* Heap::allocate_small(size_t size, size_t class_index) {
  SlabHeader* slab = active_[class_index];
  if (__builtin_expect(slab != nullptr && slab->free_list != nullptr, 1)) {
    SlabHeader::FreeBlock* block = slab->free_list;
    asan::unpoison(block, sizeof *block);
    auto address = reinterpret_cast<uintptr_t>(block);
    size_t index = slab->block_index(address);
    // A free block's link is the one word the heap trusts from memory callers can
    // reach: check it before following it.
    if (__builtin_expect(index == SIZE_MAX || slab->states()[index] != SlabHeader::kFreeState, 0))
      panic_corrupt_free_list(slab, address);
    slab->free_list = block->next;
    slab->states()[index] = uint16_t(size + 1);
    ++slab->in_use;
    note_allocation(size);
    hand_out(block, size, kBlockSize[class_index]);
    return block;
  }
  return allocate_small_slow(size, class_index);
}

void* Heap::allocate_small_slow(size_t size, size_t class_index) {
  SlabHeader* slab = active_[class_index];
  if (slab && !slab->free_list && slab->bump >= slab->data_end) {
    slab->list = SlabHeader::List::kFull;
    active_[class_index] = slab = nullptr;
  }
  if (!slab) {
    if ((slab = partial_[class_index])) {
      unlink_partial(slab);
    } else if ((slab = spare_[class_index])) {
      spare_[class_index] = nullptr;
    } else if (!(slab = create_slab(class_index))) {
      ++stats_.failed_allocations;
      return nullptr;
    }
    slab->list = SlabHeader::List::kActive;
    active_[class_index] = slab;
  }
  if (slab->free_list) return allocate_small(size, class_index);
  uintptr_t address = slab->bump;
  slab->bump += kBlockSize[class_index];
  slab->states()[slab->block_index(address)] = uint16_t(size + 1);
  ++slab->in_use;
  note_allocation(size);
  hand_out(reinterpret_cast<void*>(address), size, kBlockSize[class_index]);
  return reinterpret_cast<void*>(address);
}

SlabHeader* Heap::create_slab(size_t class_index) {
  if (!pages_) return nullptr;
  const auto& geometry = kGeometry.of[class_index];
  auto pages = take_pages(geometry.pages, 1, 0);
  if (pages.is_error()) return nullptr;
  auto start = reinterpret_cast<uintptr_t>(pages.value());
  if (tags_.track(start, *pages_, stats_.pages_held).is_error()) {
    pages_->free(pages.value(), geometry.pages);
    return nullptr;
  }
  auto* slab = new (pages.value()) SlabHeader{
      .magic = SlabHeader::kMagic,
      .next = nullptr,
      .previous = nullptr,
      .free_list = nullptr,
      .bump = start + geometry.data_offset,
      .data_start = start + geometry.data_offset,
      .data_end = start + geometry.pages * kPageSize,
      .in_use = 0,
      .class_index = uint8_t(class_index),
      .list = SlabHeader::List::kActive,
  };
  __builtin_memset(slab->states(), 0, geometry.capacity * sizeof(uint16_t));
  tags_.tag_slab(start, geometry.pages);
  asan::poison(reinterpret_cast<void*>(slab->data_start), slab->data_end - slab->data_start);
  stats_.pages_held += geometry.pages;
  return slab;
}

Result<void*> Heap::take_pages(size_t count, size_t alignment_pages, size_t aligned_index) {
  auto pages = pages_->allocate_offset(count, alignment_pages, aligned_index);
  if (pages.is_ok()) return pages;
  bool released = false;
  for (auto& spare : spare_) {
    if (!spare) continue;
    release_slab(spare);
    spare = nullptr;
    released = true;
  }
  if (!released) return pages;
  return pages_->allocate_offset(count, alignment_pages, aligned_index);
}

void Heap::unlink_partial(SlabHeader* slab) {
  if (slab->previous) slab->previous->next = slab->next;
  else partial_[slab->class_index] = slab->next;
  if (slab->next) slab->next->previous = slab->previous;
  slab->next = slab->previous = nullptr;
}

void Heap::release_slab(SlabHeader* slab) {
  size_t pages = slab->page_count();
  tags_.clear(slab->start(), pages);
  slab->magic = 0;
  stats_.pages_held -= pages;
  pages_->free(slab, pages);
}

// A block went back to a slab that is not the active one of its class.
void Heap::slab_block_freed(SlabHeader* slab) {
  if (slab->list == SlabHeader::List::kFull) {
    slab->list = SlabHeader::List::kPartial;
    SlabHeader*& head = partial_[slab->class_index];
    slab->next = head;
    slab->previous = nullptr;
    if (head) head->previous = slab;
    head = slab;
  }
  if (slab->in_use == 0) {
    unlink_partial(slab);
    SlabHeader*& spare = spare_[slab->class_index];
    if (spare) {
      release_slab(slab);
    } else {
      slab->list = SlabHeader::List::kSpare;
      spare = slab;
    }
  }
}

void* Heap::allocate_large(size_t size, size_t alignment) {
  // The user pointer lies `offset` bytes into the run, with the header just below it.
  // Page-aligned blocks get a header page of their own before the aligned page.
  size_t offset = ktl::max(LargeBlockHeader::kSize, ktl::min(alignment, kPageSize));
  size_t alignment_pages = alignment > kPageSize ? alignment / kPageSize : 1;
  size_t aligned_index = alignment > kPageSize ? 1 : 0;
  size_t bytes, run_pages;
  // Size 0 still needs its byte, or the user pointer would be the end of the run.
  if (!ktl::checked_add(offset, ktl::max(size, size_t{1}), bytes) || !ktl::align_up(bytes, kPageSize, bytes))
    goto failed;
  run_pages = bytes / kPageSize;
  if (!pages_) goto failed;
  {
    auto run = take_pages(run_pages, alignment_pages, aligned_index);
    if (run.is_error()) goto failed;
    auto start = reinterpret_cast<uintptr_t>(run.value());
    if (tags_.track(start, *pages_, stats_.pages_held).is_error()) {
      pages_->free(run.value(), run_pages);
      goto failed;
    }
    uintptr_t user = start + offset;
    *LargeBlockHeader::below(user) = LargeBlockHeader{LargeBlockHeader::kMagic, user, start, run_pages, size};
    if constexpr (asan::kEnabled) {
      asan::poison(reinterpret_cast<void*>(user + size), start + run_pages * kPageSize - (user + size));
      asan::record_allocation(reinterpret_cast<void*>(user), size);
    }
    tags_.set(ktl::align_down(user, uintptr_t(kPageSize)), HeapPageTags::kLargeBlock);
    stats_.pages_held += run_pages;
    note_allocation(size);
    return reinterpret_cast<void*>(user);
  }
failed:
  ++stats_.failed_allocations;
  return nullptr;
}

void Heap::free(void* pointer) {
  if (!pointer) return;
  auto address = reinterpret_cast<uintptr_t>(pointer);
  uint8_t* tag_slot = tags_.find(address);
  uint8_t tag = tag_slot ? *tag_slot : HeapPageTags::kNone;
  if (__builtin_expect((tag & HeapPageTags::kSlab) != 0, 1)) {
    SlabHeader* slab = slab_of(address, tag, "free");
    size_t index = slab->block_index(address);
    if (index == SIZE_MAX)
      panic("heap: free of %p, which is inside a %u-byte block, not at its start", pointer,
            unsigned(kBlockSize[slab->class_index]));
    uint16_t& state = slab->states()[index];
    if (state == SlabHeader::kFreeState) {
      asan::report_double_free(pointer);
      panic("heap: double free of %p (a %u-byte block that is already free)", pointer,
            unsigned(kBlockSize[slab->class_index]));
    }
    stats_.bytes_in_use -= size_t(state - 1u);
    ++stats_.frees;
    state = SlabHeader::kFreeState;
#if TESSERA_ASAN
    // Freed blocks wait in a quarantine before reuse, so a use after free touches
    // poisoned memory instead of the block's next owner.
    asan::poison(pointer, kBlockSize[slab->class_index]);
    asan::record_free(pointer);
    if (quarantine_count_ == kQuarantineSize) {
      reuse_block(quarantine_[quarantine_next_]);
      --quarantine_count_;
    }
    quarantine_[quarantine_next_] = pointer;
    quarantine_next_ = (quarantine_next_ + 1) % kQuarantineSize;
    ++quarantine_count_;
#else
    reuse_block(pointer, slab);
#endif
    return;
  }
  free_large(address, tag_slot);
}

// The block's slot goes back on its slab's free list.
void Heap::reuse_block(void* pointer, SlabHeader* slab) {
  if (!slab) {
    auto address = reinterpret_cast<uintptr_t>(pointer);
    slab = slab_of(address, *tags_.find(address), "free");
  }
  auto* block = static_cast<SlabHeader::FreeBlock*>(pointer);
  asan::unpoison(block, sizeof *block);
  block->next = slab->free_list;
  asan::poison(block, sizeof *block);
  slab->free_list = block;
  --slab->in_use;
  if (slab->list != SlabHeader::List::kActive) slab_block_freed(slab);
}

void Heap::free_large(uintptr_t address, uint8_t* tag_slot) {
  auto* header = LargeBlockHeader::below(address);
  bool valid = tag_slot && *tag_slot == HeapPageTags::kLargeBlock &&
               address % size_classes::kMinAlignment == 0 && header->magic == LargeBlockHeader::kMagic &&
               header->user == address;
  if (!valid) {
    find_live_block(reinterpret_cast<void*>(address), "free");  // panics, saying why
    panic("heap: free of %p: no block, yet no reason", reinterpret_cast<void*>(address));
  }
  stats_.bytes_in_use -= header->requested;
  ++stats_.frees;
  asan::record_free(reinterpret_cast<void*>(address));
  stats_.pages_held -= header->run_pages;
  *tag_slot = HeapPageTags::kNone;
  header->magic = LargeBlockHeader::kFreedMagic;
  pages_->free(reinterpret_cast<void*>(header->run_start), header->run_pages);
}

Heap::Block Heap::find_live_block(const void* pointer, const char* operation) const {
  auto address = reinterpret_cast<uintptr_t>(pointer);
  uint8_t tag = tags_.tag_of(address);
  if (tag & HeapPageTags::kSlab) {
    SlabHeader* slab = slab_of(address, tag, operation);
    size_t index = slab->block_index(address);
    size_t block_size = kBlockSize[slab->class_index];
    if (index == SIZE_MAX)
      panic("heap: %s of %p, which is inside a %zu-byte block, not at its start", operation, pointer, block_size);
    uint16_t state = slab->states()[index];
    if (state == SlabHeader::kFreeState)
      panic("heap: %s of %p, a %zu-byte block that is already free (double free or use after free)", operation,
            pointer, block_size);
    return {slab, index, nullptr, block_size, size_t(state - 1u)};
  }
  if (tag == HeapPageTags::kLargeBlock) {
    // The header lies in this page or the one below, which is the same run or (for a
    // pointer at the very start of a run) still mapped guest RAM of the region.
    if (address % size_classes::kMinAlignment == 0) {
      auto* header = LargeBlockHeader::below(address);
      if (header->magic == LargeBlockHeader::kMagic && header->user == address)
        return {nullptr, 0, header, header->usable(), header->requested};
    }
    panic("heap: %s of %p, which is inside a large block, not at its start", operation, pointer);
  }
  // Say "double free" when the evidence is still there: a large block's header survives
  // in its freed pages until they are reused.
  if (pages_ && address % size_classes::kMinAlignment == 0 &&
      pages_->owns(reinterpret_cast<void*>(address - LargeBlockHeader::kSize))) {
    auto* header = LargeBlockHeader::below(address);
    asan::unpoison(header, sizeof *header);  // freed pages are poisoned; this read is the heap's own
    bool freed = header->magic == LargeBlockHeader::kFreedMagic && header->user == address;
    asan::poison(header, sizeof *header);
    if (freed) {
      if (operation[0] == 'f') asan::report_double_free(pointer);  // "free", not "reallocate"
      panic("heap: %s of %p, a large block that is already free (double free or use after free)", operation,
            pointer);
    }
  }
  panic("heap: %s of %p, which the heap did not hand out", operation, pointer);
}

void* Heap::reallocate(void* pointer, size_t size) {
  if (!pointer) return allocate(size);
  Block block = find_live_block(pointer, "reallocate");
  bool fits = size <= block.usable;
  // Shrinking to well under half moves the data to a snugger block, if one is free.
  bool worth_moving = size * 2 < block.usable &&
                      (block.slab ? size_classes::index_for(size) != block.slab->class_index
                                  : size <= size_classes::kMaxSize);
  if (!fits || worth_moving) {
    void* moved = allocate(size);
    if (moved) {
      // Under ASan only the requested bytes are the caller's (usable_size says so too).
      __builtin_memcpy(moved, pointer, ktl::min(asan::kEnabled ? block.requested : block.usable, size));
      free(pointer);
      return moved;
    }
    if (!fits) return nullptr;
    --stats_.failed_allocations;  // a shrink never fails: staying put is fine
  }

  stats_.bytes_in_use = stats_.bytes_in_use - block.requested + size;
  if (stats_.bytes_in_use > stats_.peak_bytes_in_use) stats_.peak_bytes_in_use = stats_.bytes_in_use;
  if constexpr (asan::kEnabled) {
    asan::poison(pointer, block.usable);
    asan::unpoison(pointer, size);
  }
  if (block.slab) {
    block.slab->states()[block.index] = uint16_t(size + 1);
    return pointer;
  }
  LargeBlockHeader* header = block.large;
  header->requested = size;
  // Give back whole pages past the new end; the page of the user pointer stays.
  uintptr_t run_end = header->run_start + header->run_pages * kPageSize;
  uintptr_t keep_end = ktl::align_down(header->user + ktl::max(size, size_t{1}) + kPageSize - 1, uintptr_t(kPageSize));
  if (keep_end < run_end) {
    size_t surplus = (run_end - keep_end) / kPageSize;
    pages_->free(reinterpret_cast<void*>(keep_end), surplus);
    header->run_pages -= surplus;
    stats_.pages_held -= surplus;
  }
  return pointer;
}

// Under ASan the bytes past the request are a redzone, so only those asked for are usable
// (as with ASan's own malloc_usable_size).
size_t Heap::usable_size(const void* pointer) const {
  Block block = find_live_block(pointer, "usable_size");
  return asan::kEnabled ? block.requested : block.usable;
}

Heap::Stats Heap::stats() const { return stats_; }

void Heap::flush_quarantine() {
#if TESSERA_ASAN
  for (; quarantine_count_ > 0; --quarantine_count_) {
    size_t oldest = (quarantine_next_ + kQuarantineSize - quarantine_count_) % kQuarantineSize;
    reuse_block(quarantine_[oldest]);
  }
#endif
}

}  // namespace tessera
