#pragma once
// The kernel's page tables: identity mapped (physical = virtual) with 4 KiB pages, so
// every page of guest RAM can get its own rights (guard pages, W^X). Built once at boot
// from pages the caller sets aside; protect() edits leaf entries afterwards.
#include <stddef.h>
#include <stdint.h>

namespace tessera::vm {

class PageTables {
 public:
  enum Flags : uint64_t {
    kPresent = 1,
    kWritable = 2,
    kWriteThrough = 8,
    kCacheDisable = 0x10,
    kNoExecute = uint64_t{1} << 63,
  };

  // Page-table pages come from [pool_start, pool_start + pool_size); page aligned.
  static void begin(uintptr_t pool_start, size_t pool_size);
  // Upper bound of pool pages needed to map `page_count` pages below `highest_address`.
  static size_t pool_pages_needed(uintptr_t highest_address, size_t extra_ranges);
  // Maps [start, end) one to one (rounded out to pages). False when the pool ran out.
  static bool map(uintptr_t start, uintptr_t end, uint64_t flags);
  // Switches the CPU to the tables built so far.
  static void activate();
  // Replaces the rights of the mapped 4 KiB page at `address`; flags 0 unmaps it.
  // False when the page was never mapped by map().
  static bool set_page(uintptr_t address, uint64_t flags);
};

}  // namespace tessera::vm
