#pragma once
// The start of every small-block slab of the heap. One 16-bit state per block follows
// it: 0 for a free block, requested size + 1 for a live one. The state is what makes a
// double free or a stray pointer into a slab detectable for certain (not by guessing at
// a cookie the caller's data could imitate), and it is where bytes_in_use finds the
// requested size back at free().
#include <stddef.h>
#include <stdint.h>
#include "mm/size_classes.hh"

namespace tessera {

struct SlabHeader {
  static constexpr uint64_t kMagic = 0x54534c4142484452;  // "TSLABHDR"
  static constexpr uint16_t kFreeState = 0;

  // Where the slab sits in its class: allocating from, on the class's partial list
  // (has free blocks), full (on no list; its first free moves it to the partial list),
  // or empty and kept as the class's one spare.
  enum class List : uint8_t { kActive, kPartial, kFull, kSpare };

  struct FreeBlock {
    FreeBlock* next;
  };

  uint64_t magic;
  SlabHeader* next;  // partial list
  SlabHeader* previous;
  FreeBlock* free_list;
  uintptr_t bump;  // blocks from here to data_end were never handed out
  uintptr_t data_start;
  uintptr_t data_end;  // also the end of the slab
  uint32_t in_use;
  uint8_t class_index;
  List list;

  uint16_t* states() { return reinterpret_cast<uint16_t*>(this + 1); }
  uintptr_t start() const { return reinterpret_cast<uintptr_t>(this); }
  size_t page_count() const { return size_classes::kGeometry.of[class_index].pages; }

  // Index of the block at `address`, or SIZE_MAX when `address` is not exactly the
  // start of one of this slab's blocks.
  size_t block_index(uintptr_t address) const {
    uintptr_t offset = address - data_start;  // wraps to huge below data_start
    if (offset >= data_end - data_start) return SIZE_MAX;
    size_t index = size_t((offset * size_classes::kGeometry.of[class_index].reciprocal) >> 32);
    if (index * size_classes::kBlockSize[class_index] != offset) return SIZE_MAX;
    return index;
  }
};
static_assert(sizeof(SlabHeader) <= size_classes::kSlabHeaderSize);

}  // namespace tessera
