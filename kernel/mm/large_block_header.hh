#pragma once
// Sits just below the user pointer of every large heap block (one with its own run of
// pages). The page tag says a large block starts in that page; the header confirms
// which address exactly and remembers the run to give back.
#include <stddef.h>
#include <stdint.h>
#include <tessera/platform.hh>

namespace tessera {

struct LargeBlockHeader {
  static constexpr uint64_t kMagic = 0x54424947424c4b21;       // "TBIGBLK!"
  static constexpr uint64_t kFreedMagic = 0x54465245454c4b21;  // "TFREELK!"
  // Also the smallest offset of the user pointer into its run, so the 16-byte
  // alignment every block has comes for free.
  static constexpr size_t kSize = 64;

  uint64_t magic;
  uintptr_t user;  // the address handed out
  uintptr_t run_start;
  size_t run_pages;
  size_t requested;

  size_t usable() const { return run_start + run_pages * platform::kPageSize - user; }
  static LargeBlockHeader* below(uintptr_t user) { return reinterpret_cast<LargeBlockHeader*>(user - kSize); }
};
static_assert(sizeof(LargeBlockHeader) <= LargeBlockHeader::kSize);

}  // namespace tessera
