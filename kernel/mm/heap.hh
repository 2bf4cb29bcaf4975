#pragma once
// The kernel heap: malloc/free/realloc/aligned allocation with statistics, on top of
// the page allocator. Small requests (up to 4 KiB) come from per-size-class slabs with
// intrusive free lists (mm/size_classes.hh, mm/slab_header.hh); large ones get their own
// page runs (mm/large_block_header.hh). A byte per page (mm/heap_page_tags.hh) says
// what the heap keeps there, so free() recognises foreign pointers, interior pointers
// and double frees and panics on them instead of corrupting its lists. Slabs that
// empty go back to the page allocator (see below). Out of memory returns nullptr (or
// ENOMEM through try_make) and leaves the heap intact. Not thread-safe: the kernel runs
// its guest threads on one CPU, cooperatively.
#include <stddef.h>
#include <stdint.h>
#include <tessera/result.hh>
#include "mm/heap_page_tags.hh"
#include "mm/address_sanitizer.hh"
#include "mm/page_allocator.hh"
#include "mm/size_classes.hh"

namespace tessera {

struct SlabHeader;
struct LargeBlockHeader;

class Heap {
 public:
  struct Stats {
    size_t bytes_in_use = 0;    // as requested by callers
    size_t peak_bytes_in_use = 0;
    size_t pages_held = 0;      // pages taken from the page allocator
    uint64_t allocations = 0;
    uint64_t frees = 0;
    uint64_t failed_allocations = 0;
  };

  constexpr Heap() = default;

  // Drops all state and takes pages from `pages` from now on.
  void reset(PageAllocator& pages);

  // nullptr when out of memory or when `alignment` is not a power of two.
  // Size 0 returns a unique non-null pointer. Alignment is at least 16.
  void* allocate(size_t size, size_t alignment = 16);
  // nullptr is ignored. Panics on a pointer the heap did not hand out or a double free.
  void free(void* pointer);
  // realloc semantics; on failure returns nullptr and leaves `pointer` valid.
  void* reallocate(void* pointer, size_t size);
  // The usable size of a live allocation (at least what was asked).
  size_t usable_size(const void* pointer) const;

  Stats stats() const;
  // Under ASan, returns every block waiting in the quarantine to its slab (freeing empty
  // slabs as usual); otherwise nothing is waiting. For tests of the slab bookkeeping.
  void flush_quarantine();

 private:
  // Small blocks (up to size_classes::kMaxSize) come from slabs, one set per size class:
  // the active slab serves allocations; slabs with free blocks wait on the partial
  // list; a slab that empties is given back to the page allocator, except the active
  // one and one spare per class, so that a workload breathing in and out around a slab
  // boundary does not make and unmake slabs all the time. Spares are given back as soon
  // as the page allocator runs dry.
  void* allocate_small(size_t size, size_t class_index);
  void* allocate_small_slow(size_t size, size_t class_index);
  void* allocate_large(size_t size, size_t alignment);
  SlabHeader* create_slab(size_t class_index);
  Result<void*> take_pages(size_t count, size_t alignment_pages, size_t aligned_index);
  void release_slab(SlabHeader* slab);
  void unlink_partial(SlabHeader* slab);
  void slab_block_freed(SlabHeader* slab);
  void free_large(uintptr_t address, uint8_t* tag_slot);
  // `slab` may be null: found from the address.
  void reuse_block(void* block, SlabHeader* slab = nullptr);
  void note_allocation(size_t size);

  // What the pointer handed to free/reallocate/usable_size is; panics on a pointer the
  // heap did not hand out or one already freed.
  struct Block {
    SlabHeader* slab;           // null for a large block
    size_t index;               // in the slab
    LargeBlockHeader* large;    // null for a slab block
    size_t usable;
    size_t requested;
  };
  Block find_live_block(const void* pointer, const char* operation) const;

  PageAllocator* pages_ = nullptr;
  SlabHeader* active_[size_classes::kCount] = {};
  SlabHeader* partial_[size_classes::kCount] = {};
  SlabHeader* spare_[size_classes::kCount] = {};
  HeapPageTags tags_;
  Stats stats_;
#if TESSERA_ASAN
  static constexpr size_t kQuarantineSize = 1024;
  void* quarantine_[kQuarantineSize] = {};
  size_t quarantine_next_ = 0;
  size_t quarantine_count_ = 0;
#endif
};

// The kernel's heap, set up by kernel_main.
Heap& heap();

// Allocation that can fail, visible at the call site: `auto* t = TRY(try_make<Thing>(...));`
template <typename T, typename... Args> Result<T*> try_make(Args&&... args) {
  void* memory = heap().allocate(sizeof(T), alignof(T) < 16 ? 16 : alignof(T));
  if (!memory) return Error::with_message(kENOMEM, "out of memory allocating %zu bytes", sizeof(T));
  return new (memory) T(ktl::forward<Args>(args)...);
}
template <typename T> void destroy(T* object) {
  if (!object) return;
  object->~T();
  heap().free(object);
}

}  // namespace tessera
