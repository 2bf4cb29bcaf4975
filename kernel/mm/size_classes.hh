#pragma once
// The heap's small size classes and the shape of the slab each one is carved from.
//
// Why this table and not plain powers of two: powers of two waste up to half of every
// block (a 257-byte request takes 512), while four classes per doubling cap the waste
// at a quarter and below 128 bytes at 15 bytes, for only 28 classes -- few enough that
// a workload does not strand memory in many half-used slabs. Every class is a multiple
// of 16, so blocks are 16-byte aligned, and a class's block size is a multiple of every
// power of two up to its lowest set bit: that is what lets aligned requests up to a
// page be served from the classes (see Heap::allocate).
#include <stddef.h>
#include <stdint.h>
#include <tessera/platform.hh>

namespace tessera::size_classes {

inline constexpr size_t kCount = 28;
inline constexpr size_t kMinAlignment = 16;
inline constexpr size_t kMaxSize = 4096;
inline constexpr uint32_t kBlockSize[kCount] = {
    16,   32,   48,   64,   80,   96,   112,  128,  160,  192,  224,  256,  320,  384,
    448,  512,  640,  768,  896,  1024, 1280, 1536, 1792, 2048, 2560, 3072, 3584, 4096,
};

// Class of a request of `size` <= kMaxSize bytes: one load from a 257-byte table.
struct Lookup {
  uint8_t class_of_granule[kMaxSize / kMinAlignment + 1];
};
constexpr Lookup make_lookup() {
  Lookup lookup{};
  size_t class_index = 0;
  for (size_t granule = 0; granule <= kMaxSize / kMinAlignment; ++granule) {
    while (kBlockSize[class_index] < granule * kMinAlignment) ++class_index;
    lookup.class_of_granule[granule] = uint8_t(class_index);
  }
  return lookup;
}
inline constexpr Lookup kLookup = make_lookup();
constexpr size_t index_for(size_t size) {
  return kLookup.class_of_granule[(size + kMinAlignment - 1) / kMinAlignment];
}

// A slab: a run of pages starting with a SlabHeader and one uint16_t state per block,
// followed by the blocks themselves, packed against the end of the run so that a
// block's alignment is that of its size (a 4096-byte block is page-aligned).
inline constexpr size_t kSlabHeaderSize = 64;
inline constexpr size_t kMaxSlabPages = 16;

struct SlabGeometry {
  uint32_t pages = 0;
  uint32_t capacity = 0;     // blocks
  uint32_t data_offset = 0;  // of the first block from the slab's start
  // Block index = (offset * reciprocal) >> 32, exact for offset < 2^32 / block size,
  // which a slab of at most 64 KiB of blocks of at most 4 KiB always is.
  uint64_t reciprocal = 0;
};

// The smallest slab holding at least 16 blocks while wasting at most 1/32 of itself;
// when none does (big blocks), the least wasteful one up to kMaxSlabPages.
constexpr SlabGeometry geometry_for(size_t block_size) {
  SlabGeometry best{};
  size_t best_waste = 0, best_bytes = 1;
  for (size_t pages = 1; pages <= kMaxSlabPages; ++pages) {
    size_t bytes = pages * platform::kPageSize;
    size_t capacity = (bytes - kSlabHeaderSize) / (block_size + sizeof(uint16_t));
    if (capacity == 0) continue;
    size_t waste = bytes - kSlabHeaderSize - capacity * (block_size + sizeof(uint16_t));
    SlabGeometry candidate{uint32_t(pages), uint32_t(capacity), uint32_t(bytes - capacity * block_size),
                           (uint64_t{1} << 32) / block_size + 1};
    if (capacity >= 16 && waste * 32 <= bytes) return candidate;
    if (best.pages == 0 || waste * best_bytes < best_waste * bytes) {
      best = candidate;
      best_waste = waste;
      best_bytes = bytes;
    }
  }
  return best;
}

struct GeometryTable {
  SlabGeometry of[kCount];
};
constexpr GeometryTable make_geometry_table() {
  GeometryTable table{};
  for (size_t i = 0; i < kCount; ++i) table.of[i] = geometry_for(kBlockSize[i]);
  return table;
}
inline constexpr GeometryTable kGeometry = make_geometry_table();

static_assert(kBlockSize[kCount - 1] == kMaxSize);
static_assert(index_for(0) == 0 && index_for(16) == 0 && index_for(17) == 1 && index_for(4096) == kCount - 1);
static_assert(kGeometry.of[kCount - 1].capacity > 1, "4 KiB slabs must hold several blocks");

}  // namespace tessera::size_classes
