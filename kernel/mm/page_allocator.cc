#include "mm/page_allocator.hh"

#include "mm/address_sanitizer.hh"

#include <tessera/ktl/utility.hh>
#include <tessera/panic.hh>
#include <tessera/platform.hh>

namespace tessera {
namespace {

constexpr size_t kPageSize = platform::kPageSize;
constexpr size_t kPageShift = 12;
static_assert(size_t{1} << kPageShift == kPageSize);
constexpr size_t kBitsPerWord = 64;
constexpr uint64_t kAllOnes = ~uint64_t{0};

constinit PageAllocator g_page_allocator;

// Bits [from % 64, 64) of a word.
constexpr uint64_t mask_from(size_t from) { return kAllOnes << (from % kBitsPerWord); }
// Bits [0, to % 64) of a word; all bits when `to` is a word boundary.
constexpr uint64_t mask_below(size_t to) {
  return to % kBitsPerWord ? ~(kAllOnes << (to % kBitsPerWord)) : kAllOnes;
}

// The bitmap is scanned a word at a time: a fully used word costs one compare, so even
// a mostly full gigabyte region (4096 words) is searched quickly.

// First clear bit at or after `from`, or `limit` when there is none below it.
size_t find_clear(const uint64_t* bitmap, size_t from, size_t limit) {
  if (from >= limit) return limit;
  size_t word_index = from / kBitsPerWord;
  size_t last_word = (limit - 1) / kBitsPerWord;
  uint64_t candidates = ~bitmap[word_index] & mask_from(from);
  while (!candidates) {
    if (++word_index > last_word) return limit;
    candidates = ~bitmap[word_index];
  }
  size_t found = word_index * kBitsPerWord + size_t(__builtin_ctzll(candidates));
  return found < limit ? found : limit;
}

// First set bit at or after `from`, or `limit` when there is none below it.
size_t find_set(const uint64_t* bitmap, size_t from, size_t limit) {
  if (from >= limit) return limit;
  size_t word_index = from / kBitsPerWord;
  size_t last_word = (limit - 1) / kBitsPerWord;
  uint64_t candidates = bitmap[word_index] & mask_from(from);
  while (!candidates) {
    if (++word_index > last_word) return limit;
    candidates = bitmap[word_index];
  }
  size_t found = word_index * kBitsPerWord + size_t(__builtin_ctzll(candidates));
  return found < limit ? found : limit;
}

// Calls `apply(word, mask)` for each word that [begin, end) touches, with the bits of
// the range in that word.
template <typename Apply> void for_each_word(size_t begin, size_t end, Apply apply) {
  size_t first = begin / kBitsPerWord, last = (end - 1) / kBitsPerWord;
  for (size_t word = first; word <= last; ++word) {
    uint64_t mask = kAllOnes;
    if (word == first) mask &= mask_from(begin);
    if (word == last) mask &= mask_below(end);
    apply(word, mask);
  }
}

void set_bits(uint64_t* bitmap, size_t begin, size_t end) {
  for_each_word(begin, end, [&](size_t word, uint64_t mask) { bitmap[word] |= mask; });
}
void clear_bits(uint64_t* bitmap, size_t begin, size_t end) {
  for_each_word(begin, end, [&](size_t word, uint64_t mask) { bitmap[word] &= ~mask; });
}
bool all_set(const uint64_t* bitmap, size_t begin, size_t end) {
  bool result = true;
  for_each_word(begin, end, [&](size_t word, uint64_t mask) { result &= (bitmap[word] & mask) == mask; });
  return result;
}

}  // namespace

PageAllocator& page_allocator() { return g_page_allocator; }

void PageAllocator::reset() {
  for (auto& region : regions_) region = Region{};
  region_count_ = 0;
  allocations_ = frees_ = failed_allocations_ = 0;
}

Result<void> PageAllocator::add_region(MemoryRegion region) {
  if (region.size == 0)
    return Error::with_message(kEINVAL, "memory region at %#zx is empty", size_t(region.start));
  if (region.start % kPageSize || region.size % kPageSize)
    return Error::with_message(kEINVAL, "memory region %#zx+%#zx is not page-aligned",
                               size_t(region.start), region.size);
  uintptr_t end;
  if (!ktl::checked_add(region.start, uintptr_t(region.size), end))
    return Error::with_message(kEINVAL, "memory region %#zx+%#zx wraps around the address space",
                               size_t(region.start), region.size);
  if (region_count_ == kMaxRegions)
    return Error::with_message(kEINVAL, "too many memory regions (at most %zu)", kMaxRegions);
  for (size_t i = 0; i < region_count_; ++i) {
    const Region& other = regions_[i];
    if (region.start < other.start + other.size && other.start < end)
      return Error::with_message(kEINVAL, "memory region %#zx+%#zx overlaps %#zx+%#zx",
                                 size_t(region.start), region.size, size_t(other.start), other.size);
  }

  // b bitmap pages describe 8 * 4096 * b pages, so b of them suffice for a region of
  // n pages once 32768 * b >= n - b.
  size_t pages = region.size / kPageSize;
  size_t bits_per_page = kPageSize * 8;
  size_t bitmap_pages = pages / (bits_per_page + 1) + (pages % (bits_per_page + 1) ? 1 : 0);
  if (pages <= bitmap_pages)
    return Error::with_message(kENOMEM, "memory region %#zx+%#zx is too small for its bitmap and one page",
                               size_t(region.start), region.size);

  Region& added = regions_[region_count_];
  added.start = region.start;
  added.size = region.size;
  added.bitmap = reinterpret_cast<uint64_t*>(region.start);
  added.first_page = region.start + bitmap_pages * kPageSize;
  added.page_count = pages - bitmap_pages;
  added.free_pages = added.page_count;
  added.search_hint = 0;
  size_t words = (added.page_count + kBitsPerWord - 1) / kBitsPerWord;
  __builtin_memset(added.bitmap, 0, words * sizeof(uint64_t));
  // Bits past the end read as "in use", so scans need no special case for the tail.
  if (added.page_count % kBitsPerWord) added.bitmap[words - 1] = ~mask_below(added.page_count);
  asan::poison(reinterpret_cast<void*>(added.first_page), added.page_count * kPageSize);
  ++region_count_;
  return {};
}

bool PageAllocator::allocate_in(Region& region, size_t page_count, size_t alignment_pages, size_t aligned_index,
                                size_t& index) {
  if (region.free_pages < page_count) return false;
  size_t limit = region.page_count;
  size_t first_pfn = region.first_page >> kPageShift;
  size_t position = find_clear(region.bitmap, region.search_hint, limit);
  region.search_hint = position;  // everything before the first clear bit is in use
  while (position < limit) {
    size_t start = position;
    if (alignment_pages > 1) {
      size_t aligned_pfn;
      if (!ktl::checked_add(first_pfn + position, aligned_index, aligned_pfn) ||
          !ktl::align_up(aligned_pfn, alignment_pages, aligned_pfn))
        return false;
      start = aligned_pfn - aligned_index - first_pfn;
    }
    if (start >= limit || limit - start < page_count) return false;
    if (start != position) {
      position = find_clear(region.bitmap, start, limit);
      if (position != start) continue;
    }
    size_t wanted_end = start + page_count;
    size_t run_end = find_set(region.bitmap, start, wanted_end);
    if (run_end == wanted_end) {
      set_bits(region.bitmap, start, wanted_end);
      asan::unpoison(reinterpret_cast<void*>(region.first_page + start * kPageSize), page_count * kPageSize);
      region.free_pages -= page_count;
      if (start == region.search_hint) region.search_hint = wanted_end;
      index = start;
      return true;
    }
    position = find_clear(region.bitmap, run_end, limit);
  }
  return false;
}

Result<void*> PageAllocator::allocate(size_t page_count, size_t alignment_pages) {
  return allocate_offset(page_count, alignment_pages, 0);
}

Result<void*> PageAllocator::allocate_offset(size_t page_count, size_t alignment_pages, size_t aligned_index) {
  if (page_count == 0) {
    ++failed_allocations_;
    return Error::with_message(kEINVAL, "page allocation of zero pages");
  }
  if (!ktl::is_power_of_two(alignment_pages)) {
    ++failed_allocations_;
    return Error::with_message(kEINVAL, "page alignment %zu is not a power of two", alignment_pages);
  }
  for (size_t i = 0; i < region_count_; ++i) {
    size_t index;
    if (allocate_in(regions_[i], page_count, alignment_pages, aligned_index, index)) {
      ++allocations_;
      return reinterpret_cast<void*>(regions_[i].first_page + index * kPageSize);
    }
  }
  ++failed_allocations_;
  Stats now = stats();
  if (alignment_pages > 1)
    return Error::with_message(kENOMEM, "out of memory: %zu pages aligned to %zu pages requested, %zu free, largest run %zu",
                               page_count, alignment_pages, now.free_pages, now.largest_free_run);
  return Error::with_message(kENOMEM, "out of memory: %zu pages requested, %zu free, largest run %zu",
                             page_count, now.free_pages, now.largest_free_run);
}

size_t PageAllocator::region_owning(uintptr_t address) const {
  for (size_t i = 0; i < region_count_; ++i) {
    const Region& region = regions_[i];
    if (address >= region.first_page && (address - region.first_page) >> kPageShift < region.page_count)
      return i;
  }
  return kMaxRegions;
}

void PageAllocator::free(void* pages, size_t page_count) {
  auto address = reinterpret_cast<uintptr_t>(pages);
  if (address % kPageSize) panic("page allocator: free of unaligned address %p", pages);
  if (page_count == 0) panic("page allocator: free of zero pages at %p", pages);
  size_t index = region_owning(address);
  if (index == kMaxRegions) panic("page allocator: free of %p, which no memory region owns", pages);
  Region& region = regions_[index];
  size_t begin = (address - region.first_page) >> kPageShift;
  if (page_count > region.page_count - begin)
    panic("page allocator: free of %p + %zu pages runs past the end of its region", pages, page_count);
  size_t end = begin + page_count;
  if (!all_set(region.bitmap, begin, end))
    panic("page allocator: free of %p + %zu pages, some of which are not allocated (double free?)", pages,
          page_count);
  clear_bits(region.bitmap, begin, end);
  asan::poison(pages, page_count * kPageSize);
  region.free_pages += page_count;
  if (begin < region.search_hint) region.search_hint = begin;
  ++frees_;
}

bool PageAllocator::owns(const void* address) const {
  return region_owning(reinterpret_cast<uintptr_t>(address)) != kMaxRegions;
}

MemoryRegion PageAllocator::usable_region(const void* address) const {
  size_t index = region_owning(reinterpret_cast<uintptr_t>(address));
  if (index == kMaxRegions) return {};
  return {regions_[index].first_page, regions_[index].page_count * kPageSize};
}

size_t PageAllocator::largest_run_in(const Region& region) {
  size_t largest = 0, limit = region.page_count;
  for (size_t position = find_clear(region.bitmap, region.search_hint, limit); position < limit;) {
    size_t run_end = find_set(region.bitmap, position, limit);
    largest = ktl::max(largest, run_end - position);
    position = find_clear(region.bitmap, run_end, limit);
  }
  return largest;
}

PageAllocator::Stats PageAllocator::stats() const {
  Stats result;
  for (size_t i = 0; i < region_count_; ++i) {
    result.total_pages += regions_[i].page_count;
    result.free_pages += regions_[i].free_pages;
    result.largest_free_run = ktl::max(result.largest_free_run, largest_run_in(regions_[i]));
  }
  result.allocations = allocations_;
  result.frees = frees_;
  result.failed_allocations = failed_allocations_;
  return result;
}

}  // namespace tessera
