#include "mm/address_sanitizer.hh"
#include "mm/heap.hh"

#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <map>
#include <random>
#include <vector>

#include "fake_platform/fake_platform.hh"
#include "mm/size_classes.hh"

namespace tessera {
namespace {

constexpr size_t kPage = platform::kPageSize;
constexpr size_t KiB = 1024, MiB = 1024 * 1024;

uintptr_t address_of(const void* pointer) { return reinterpret_cast<uintptr_t>(pointer); }

// Deterministic contents for a block, so that any overlap or lost copy shows.
void fill(void* pointer, size_t size, uint64_t seed) {
  auto* bytes = static_cast<unsigned char*>(pointer);
  for (size_t i = 0; i < size; ++i) bytes[i] = static_cast<unsigned char>((seed * 131 + i * 7) >> (i % 3));
}
bool holds(const void* pointer, size_t size, uint64_t seed) {
  auto* bytes = static_cast<const unsigned char*>(pointer);
  for (size_t i = 0; i < size; ++i)
    if (bytes[i] != static_cast<unsigned char>((seed * 131 + i * 7) >> (i % 3))) return false;
  return true;
}

class HeapTest : public ::testing::Test {
 protected:
  explicit HeapTest(size_t ram_bytes = 16 * MiB) : ram(ram_bytes) {}
  void SetUp() override {
    ASSERT_TRUE(pages.add_region(ram.region()).is_ok());
    heap.reset(pages);
  }
  // The heap is the page allocator's only user here, so what it holds is what is in use.
  void expect_pages_match() {
    auto page_stats = pages.stats();
    EXPECT_EQ(heap.stats().pages_held, page_stats.total_pages - page_stats.free_pages);
  }

  fake::Ram ram;
  PageAllocator pages;
  Heap heap;
};

TEST(SizeClassesTest, TableIsConsistent) {
  using namespace size_classes;
  for (size_t i = 0; i < kCount; ++i) {
    EXPECT_EQ(kBlockSize[i] % kMinAlignment, 0u);
    if (i) EXPECT_LT(kBlockSize[i - 1], kBlockSize[i]);
    // Internal waste stays under a quarter of the block above 128 bytes.
    if (i && kBlockSize[i] > 128) EXPECT_LE((kBlockSize[i] - kBlockSize[i - 1]) * 4, kBlockSize[i]);
  }
  for (size_t size = 0; size <= kMaxSize; ++size) {
    size_t index = index_for(size);
    ASSERT_GE(kBlockSize[index], size);
    if (index) ASSERT_LT(kBlockSize[index - 1], size) << size;
  }
}

TEST(SizeClassesTest, SlabGeometryAndReciprocalsAreExact) {
  using namespace size_classes;
  for (size_t i = 0; i < kCount; ++i) {
    const SlabGeometry& geometry = kGeometry.of[i];
    size_t block = kBlockSize[i];
    ASSERT_GE(geometry.pages, 1u);
    ASSERT_LE(geometry.pages, kMaxSlabPages);
    EXPECT_GE(geometry.capacity, 2u) << block;
    EXPECT_EQ(geometry.data_offset + geometry.capacity * block, geometry.pages * kPage);
    EXPECT_GE(geometry.data_offset, kSlabHeaderSize + geometry.capacity * sizeof(uint16_t));
    // At most an eighth of a slab is lost to its header, states and slack.
    EXPECT_LE(geometry.data_offset * 8, geometry.pages * kPage) << block;
    for (size_t offset = 0; offset < geometry.capacity * block; ++offset)
      ASSERT_EQ((offset * geometry.reciprocal) >> 32, offset / block) << block << " " << offset;
  }
}

TEST_F(HeapTest, SmallSizesAreUsableAndAligned) {
  std::vector<std::pair<void*, size_t>> blocks;
  size_t requested = 0;
  for (size_t size = 0; size <= 4096; size += (size < 300 ? 1 : 37)) {
    void* block = heap.allocate(size);
    ASSERT_NE(block, nullptr) << size;
    EXPECT_EQ(address_of(block) % 16, 0u);
    size_t usable = heap.usable_size(block);
    EXPECT_GE(usable, size);
    EXPECT_LE(usable, size < 128 ? size + 16 : size + size / 3);  // the class table's promise
    std::memset(block, 0x5a, usable);
    blocks.emplace_back(block, size);
    requested += size;
  }
  EXPECT_EQ(heap.stats().bytes_in_use, requested);
  EXPECT_EQ(heap.stats().allocations, blocks.size());
  for (auto& [block, size] : blocks) heap.free(block);
  EXPECT_EQ(heap.stats().bytes_in_use, 0u);
  EXPECT_EQ(heap.stats().peak_bytes_in_use, requested);
  EXPECT_EQ(heap.stats().frees, blocks.size());
  expect_pages_match();
}

TEST_F(HeapTest, ZeroSizeGivesUniquePointers) {
  void* a = heap.allocate(0);
  void* b = heap.allocate(0);
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  EXPECT_NE(a, b);
  EXPECT_EQ(heap.usable_size(a), asan::kEnabled ? 0u : 16u);  // ASan: only the bytes asked for
  EXPECT_EQ(heap.stats().bytes_in_use, 0u);
  EXPECT_EQ(heap.stats().allocations, 2u);
  heap.free(a);
  heap.free(b);
  EXPECT_EQ(heap.stats().frees, 2u);
}

TEST_F(HeapTest, FreeOfNullIsIgnored) {
  heap.free(nullptr);
  EXPECT_EQ(heap.stats().frees, 0u);
}

TEST_F(HeapTest, FreedBlocksAreReused) {
  void* first = heap.allocate(40);
  void* second = heap.allocate(40);
  EXPECT_NE(first, second);
  heap.free(first);
  // The same class, most recently freed first; ASan's quarantine delays reuse on purpose.
  void* third = heap.allocate(48);
  if (asan::kEnabled) EXPECT_NE(third, first);
  else EXPECT_EQ(third, first);
  heap.free(second);
  heap.free(third);
  EXPECT_EQ(heap.stats().allocations, heap.stats().frees);
}

TEST_F(HeapTest, LargeAllocationsGetTheirOwnPages) {
  size_t held_before = heap.stats().pages_held;
  void* block = heap.allocate(64 * KiB);
  ASSERT_NE(block, nullptr);
  EXPECT_EQ(address_of(block) % 16, 0u);
  EXPECT_GE(heap.usable_size(block), 64 * KiB);
  std::memset(block, 1, heap.usable_size(block));
  // 64 KiB + the header: 17 pages, plus the page tag table made at first use.
  EXPECT_GE(heap.stats().pages_held - held_before, 17u);
  size_t held_with_block = heap.stats().pages_held;
  EXPECT_EQ(heap.stats().bytes_in_use, 64 * KiB);
  expect_pages_match();
  heap.free(block);
  EXPECT_EQ(heap.stats().pages_held, held_with_block - 17);
  EXPECT_EQ(heap.stats().bytes_in_use, 0u);
  expect_pages_match();
}

TEST_F(HeapTest, AlignedAllocations) {
  for (size_t alignment = 1; alignment <= MiB; alignment *= 2) {
    std::vector<std::pair<void*, size_t>> blocks;
    for (size_t size : {size_t{0}, size_t{1}, size_t{17}, size_t{100}, size_t{3000}, size_t{4096}, size_t{5000},
                        size_t{70000}}) {
      void* block = heap.allocate(size, alignment);
      ASSERT_NE(block, nullptr) << "alignment " << alignment << " size " << size;
      EXPECT_EQ(address_of(block) % std::max<size_t>(alignment, 16), 0u)
          << "alignment " << alignment << " size " << size;
      EXPECT_GE(heap.usable_size(block), size);
      fill(block, size, address_of(block));
      blocks.emplace_back(block, size);
    }
    for (auto& [block, size] : blocks) EXPECT_TRUE(holds(block, size, address_of(block)));
    // All of one alignment go before the next: keeping eight 1 MiB-aligned blocks
    // besides all the others would run out of 1 MiB boundaries in 16 MiB.
    for (auto& [block, size] : blocks) heap.free(block);
    EXPECT_EQ(heap.stats().bytes_in_use, 0u);
    expect_pages_match();
  }
}

TEST_F(HeapTest, SmallAlignedRequestsStayInSlabs) {
  // Sub-page alignments are served by a class whose block size they divide.
  void* block = heap.allocate(100, 256);
  ASSERT_NE(block, nullptr);
  EXPECT_EQ(address_of(block) % 256, 0u);
  EXPECT_EQ(heap.usable_size(block), asan::kEnabled ? 100u : 256u);
  void* page = heap.allocate(10, 4096);
  ASSERT_NE(page, nullptr);
  EXPECT_EQ(address_of(page) % 4096, 0u);
  EXPECT_EQ(heap.usable_size(page), asan::kEnabled ? 10u : 4096u);
  heap.free(block);
  heap.free(page);
}

TEST_F(HeapTest, BadAlignmentFails) {
  for (size_t alignment : {size_t{0}, size_t{3}, size_t{24}, size_t{4097}}) {
    EXPECT_EQ(heap.allocate(16, alignment), nullptr) << alignment;
  }
  EXPECT_EQ(heap.stats().failed_allocations, 4u);
  EXPECT_EQ(heap.stats().allocations, 0u);
}

TEST_F(HeapTest, EmptySlabsGoBackToThePageAllocator) {
  void* keep = heap.allocate(64);  // the table and the first slab exist from here on
  size_t baseline = heap.stats().pages_held;
  std::vector<void*> blocks;
  for (int i = 0; i < 5000; ++i) blocks.push_back(heap.allocate(64));
  EXPECT_GT(heap.stats().pages_held, baseline + 16);
  expect_pages_match();
  for (void* block : blocks) heap.free(block);
  heap.flush_quarantine();
  // Only the class's active slab and one spare may stay.
  EXPECT_LE(heap.stats().pages_held, baseline + 2 * size_classes::kGeometry.of[size_classes::index_for(64)].pages);
  expect_pages_match();
  heap.free(keep);
}

TEST_F(HeapTest, StatisticsFollowRequests) {
  void* a = heap.allocate(10);
  void* b = heap.allocate(5000);
  void* c = heap.allocate(300, 64);
  auto stats = heap.stats();
  EXPECT_EQ(stats.bytes_in_use, 5310u);
  EXPECT_EQ(stats.peak_bytes_in_use, 5310u);
  EXPECT_EQ(stats.allocations, 3u);
  heap.free(b);
  stats = heap.stats();
  EXPECT_EQ(stats.bytes_in_use, 310u);
  EXPECT_EQ(stats.peak_bytes_in_use, 5310u);
  EXPECT_EQ(stats.frees, 1u);
  a = heap.reallocate(a, 12);  // in place, but the requested size changes
  EXPECT_EQ(heap.stats().bytes_in_use, 312u);
  heap.free(a);
  heap.free(c);
  EXPECT_EQ(heap.stats().bytes_in_use, 0u);
  EXPECT_EQ(heap.stats().frees, 3u);
  EXPECT_EQ(heap.stats().failed_allocations, 0u);
}

TEST_F(HeapTest, ReallocateGrowsAndKeepsContents) {
  void* block = heap.allocate(20);
  fill(block, 20, 7);
  // Growing inside the class stays in place.
  void* same = heap.reallocate(block, 30);
  EXPECT_EQ(same, block);
  EXPECT_TRUE(holds(same, 20, 7));
  fill(same, 30, 8);
  size_t sizes[] = {100, 1000, 4096, 5000, 100 * KiB, 2 * MiB};
  size_t previous = 30;
  uint64_t seed = 8;
  for (size_t size : sizes) {
    void* grown = heap.reallocate(same, size);
    ASSERT_NE(grown, nullptr) << size;
    EXPECT_TRUE(holds(grown, previous, seed)) << size;
    fill(grown, size, ++seed);
    EXPECT_EQ(heap.stats().bytes_in_use, size);
    same = grown;
    previous = size;
  }
  EXPECT_EQ(heap.stats().allocations - heap.stats().frees, 1u);
  heap.free(same);
  expect_pages_match();
}

TEST_F(HeapTest, ReallocateShrinks) {
  void* big = heap.allocate(1 * MiB);
  fill(big, 1 * MiB, 3);
  size_t held = heap.stats().pages_held;
  // A large block shrinks in place and gives back its surplus pages.
  void* smaller = heap.reallocate(big, 100 * KiB);
  EXPECT_EQ(smaller, big);
  EXPECT_TRUE(holds(smaller, 100 * KiB, 3));
  EXPECT_EQ(heap.stats().pages_held, held - (1 * MiB - 100 * KiB) / kPage);
  EXPECT_GE(heap.usable_size(smaller), 100 * KiB);
  EXPECT_LT(heap.usable_size(smaller), 100 * KiB + kPage);
  expect_pages_match();
  // Down to a small size it moves to a slab.
  void* tiny = heap.reallocate(smaller, 50);
  EXPECT_NE(tiny, smaller);
  EXPECT_TRUE(holds(tiny, 50, 3));
  EXPECT_EQ(heap.usable_size(tiny), asan::kEnabled ? 50u : 64u);
  // A slab block shrinks in place while it still fills half its class.
  void* still = heap.reallocate(tiny, 40);
  EXPECT_EQ(still, tiny);
  EXPECT_TRUE(holds(still, 40, 3));
  void* moved = heap.reallocate(still, 8);
  EXPECT_NE(moved, still);
  EXPECT_TRUE(holds(moved, 8, 3));
  EXPECT_EQ(heap.stats().bytes_in_use, 8u);
  heap.free(moved);
  expect_pages_match();
}

TEST_F(HeapTest, ReallocateEdgeCases) {
  void* fresh = heap.reallocate(nullptr, 100);
  ASSERT_NE(fresh, nullptr);
  EXPECT_EQ(heap.stats().allocations, 1u);
  void* zero = heap.reallocate(fresh, 0);
  ASSERT_NE(zero, nullptr);  // still a live block, not freed
  EXPECT_EQ(heap.stats().bytes_in_use, 0u);
  heap.free(zero);
  EXPECT_EQ(heap.stats().allocations, heap.stats().frees);
}

TEST_F(HeapTest, ResetForgetsEverything) {
  heap.allocate(100);
  heap.allocate(100 * KiB);
  pages.reset();
  ASSERT_TRUE(pages.add_region(ram.region()).is_ok());
  heap.reset(pages);
  EXPECT_EQ(heap.stats().bytes_in_use, 0u);
  EXPECT_EQ(heap.stats().pages_held, 0u);
  EXPECT_EQ(heap.stats().allocations, 0u);
  void* block = heap.allocate(100);
  ASSERT_NE(block, nullptr);
  heap.free(block);
  expect_pages_match();
}

class SmallHeapTest : public HeapTest {
 protected:
  SmallHeapTest() : HeapTest(256 * KiB) {}
};

TEST_F(SmallHeapTest, LargeOutOfMemoryLeavesTheHeapUsable) {
  void* small = heap.allocate(32);
  fill(small, 32, 1);
  std::vector<void*> blocks;
  while (void* block = heap.allocate(20 * KiB)) blocks.push_back(block);
  EXPECT_GT(blocks.size(), 3u);
  EXPECT_EQ(heap.stats().failed_allocations, 1u);
  EXPECT_EQ(heap.allocate(size_t{1} << 60), nullptr);
  EXPECT_EQ(heap.allocate(~size_t{0}), nullptr);
  EXPECT_EQ(heap.allocate(~size_t{0} - 10, 8192), nullptr);
  EXPECT_EQ(heap.stats().failed_allocations, 4u);
  EXPECT_EQ(heap.stats().bytes_in_use, 32 + blocks.size() * 20 * KiB);
  expect_pages_match();
  // A failed growth leaves the block where it was, contents and all.
  void* grown = heap.reallocate(small, 200 * KiB);
  EXPECT_EQ(grown, nullptr);
  EXPECT_TRUE(holds(small, 32, 1));
  EXPECT_EQ(heap.usable_size(small), 32u);
  // Recovery.
  heap.free(blocks.back());
  blocks.pop_back();
  void* again = heap.allocate(20 * KiB);
  EXPECT_NE(again, nullptr);
  blocks.push_back(again);
  for (void* block : blocks) heap.free(block);
  heap.free(small);
  EXPECT_EQ(heap.stats().bytes_in_use, 0u);
  expect_pages_match();
}

TEST_F(SmallHeapTest, SmallOutOfMemoryLeavesTheHeapUsable) {
  std::vector<void*> blocks;
  while (void* block = heap.allocate(48)) {
    fill(block, 48, blocks.size());
    blocks.push_back(block);
  }
  EXPECT_GT(blocks.size(), 3000u);
  EXPECT_EQ(heap.stats().failed_allocations, 1u);
  // Other classes fail too, then recover once memory comes back.
  EXPECT_EQ(heap.allocate(1000), nullptr);
  for (size_t i = 0; i < blocks.size(); i += 2) EXPECT_TRUE(holds(blocks[i], 48, i));
  for (size_t i = 0; i < blocks.size(); ++i) heap.free(blocks[i]);
  EXPECT_EQ(heap.stats().bytes_in_use, 0u);
  expect_pages_match();
  void* block = heap.allocate(1000);
  EXPECT_NE(block, nullptr);
  heap.free(block);
}

TEST_F(SmallHeapTest, SpareSlabsAreGivenBackWhenMemoryRunsOut) {
  std::vector<void*> blocks;
  while (void* block = heap.allocate(48)) blocks.push_back(block);
  for (void* block : blocks) heap.free(block);
  heap.flush_quarantine();
  size_t slab_pages = size_classes::kGeometry.of[size_classes::index_for(48)].pages;
  size_t table_pages = 1;
  // The failed allocation retired the full active slab; the first slab to empty
  // became the spare, every later one went back.
  EXPECT_EQ(heap.stats().pages_held, table_pages + slab_pages);
  // Another class's one-page slabs get every free page, and then the spare's too.
  ASSERT_EQ(slab_pages, 1u);
  ASSERT_EQ(size_classes::kGeometry.of[0].pages, 1u);
  size_t expected_slabs = pages.stats().free_pages + slab_pages;
  std::vector<void*> tiny;
  while (void* block = heap.allocate(16)) tiny.push_back(block);
  EXPECT_EQ(tiny.size(), expected_slabs * size_classes::kGeometry.of[0].capacity);
  EXPECT_EQ(heap.stats().pages_held, table_pages + expected_slabs);
  EXPECT_EQ(pages.stats().free_pages, 0u);
  expect_pages_match();
  for (void* block : tiny) heap.free(block);
  void* small = heap.allocate(48);
  EXPECT_NE(small, nullptr);
  heap.free(small);
  expect_pages_match();
}

TEST_F(HeapTest, RandomizedAgainstAShadowModel) {
  struct Live {
    size_t size;
    size_t usable;
    uint64_t seed;
  };
  std::map<uintptr_t, Live> live;
  std::mt19937_64 random(99);
  size_t requested = 0;
  uint64_t seed = 0;
  auto random_size = [&]() -> size_t {
    switch (random() % 10) {
      case 0: return random() % (200 * KiB);
      case 1:
      case 2: return random() % 4097;
      default: return random() % 257;
    }
  };
  auto check_no_overlap = [&](uintptr_t start, size_t usable) {
    auto next = live.lower_bound(start);
    if (next != live.end()) ASSERT_GE(next->first, start + std::max<size_t>(usable, 1));
    if (next != live.begin()) {
      auto before = std::prev(next);
      ASSERT_LE(before->first + std::max<size_t>(before->second.usable, 1), start);
    }
  };
  for (int step = 0; step < 20000; ++step) {
    unsigned action = random() % 100;
    if (live.empty() || action < 40) {
      size_t size = random_size();
      size_t alignment = random() % 8 == 0 ? size_t{16} << (random() % 10) : 16;
      void* block = heap.allocate(size, alignment);
      ASSERT_NE(block, nullptr);
      ASSERT_EQ(address_of(block) % alignment, 0u);
      size_t usable = heap.usable_size(block);
      ASSERT_GE(usable, size);
      check_no_overlap(address_of(block), usable);
      fill(block, size, ++seed);
      live[address_of(block)] = {size, usable, seed};
      requested += size;
    } else {
      auto it = live.begin();
      std::advance(it, random() % live.size());
      ASSERT_TRUE(holds(reinterpret_cast<void*>(it->first), it->second.size, it->second.seed));
      if (action < 80) {
        requested -= it->second.size;
        heap.free(reinterpret_cast<void*>(it->first));
        live.erase(it);
      } else {
        size_t size = random_size();
        Live old = it->second;
        auto* previous = reinterpret_cast<void*>(it->first);
        live.erase(it);
        void* block = heap.reallocate(previous, size);
        ASSERT_NE(block, nullptr);
        ASSERT_TRUE(holds(block, std::min(old.size, size), old.seed));
        size_t usable = heap.usable_size(block);
        ASSERT_GE(usable, size);
        check_no_overlap(address_of(block), usable);
        fill(block, size, ++seed);
        live[address_of(block)] = {size, usable, seed};
        requested = requested - old.size + size;
      }
    }
    ASSERT_EQ(heap.stats().bytes_in_use, requested);
    if (step % 500 == 0) expect_pages_match();
  }
  auto stats = heap.stats();
  EXPECT_EQ(stats.allocations - stats.frees, live.size());
  EXPECT_GE(stats.peak_bytes_in_use, requested);
  for (auto& [start, block] : live) {
    EXPECT_TRUE(holds(reinterpret_cast<void*>(start), block.size, block.seed));
    heap.free(reinterpret_cast<void*>(start));
  }
  heap.flush_quarantine();
  EXPECT_EQ(heap.stats().bytes_in_use, 0u);
  expect_pages_match();
  // Only page tag tables and at most an active and a spare slab per class remain.
  size_t most = 1;
  for (auto& geometry : size_classes::kGeometry.of) most += 2 * geometry.pages;
  EXPECT_LE(heap.stats().pages_held, most);
}

TEST(GlobalHeapTest, TryMakeAndDestroy) {
  fake::Ram ram(4 * MiB);
  page_allocator().reset();
  ASSERT_TRUE(page_allocator().add_region(ram.region()).is_ok());
  heap().reset(page_allocator());
  struct alignas(64) Thing {
    explicit Thing(int v) : value(v) {}
    int value;
  };
  auto made = try_make<Thing>(42);
  ASSERT_TRUE(made.is_ok());
  EXPECT_EQ(made.value()->value, 42);
  EXPECT_EQ(address_of(made.value()) % 64, 0u);
  EXPECT_EQ(heap().stats().allocations, 1u);
  destroy(made.value());
  EXPECT_EQ(heap().stats().frees, 1u);
  EXPECT_EQ(&heap(), &heap());
  page_allocator().reset();
}

using HeapDeathTest = HeapTest;

TEST_F(HeapDeathTest, DoubleFreeOfASmallBlockPanics) {
  void* block = heap.allocate(24);
  void* neighbour = heap.allocate(24);
  heap.free(block);
  if (asan::kEnabled)  // ASan reports it, with the block's history
    EXPECT_DEATH(heap.free(block), "double free of 0x[0-9a-f]+(.|\n)*freed by:(.|\n)*AddressSanitizer: use-after-poison");
  else
    EXPECT_EXIT(heap.free(block), ::testing::ExitedWithCode(70),
                "KERNEL PANIC: heap: double free of 0x[0-9a-f]+ \\(a 32-byte block that is already free\\)");
  heap.free(neighbour);
}

TEST_F(HeapDeathTest, DoubleFreeOfALargeBlockPanics) {
  void* block = heap.allocate(100 * KiB);
  heap.free(block);
  if (asan::kEnabled)
    EXPECT_DEATH(heap.free(block), "double free of 0x[0-9a-f]+(.|\n)*freed by:(.|\n)*AddressSanitizer: use-after-poison");
  else
    EXPECT_EXIT(heap.free(block), ::testing::ExitedWithCode(70),
                "heap: free of 0x[0-9a-f]+, a large block that is already free \\(double free");
}

TEST_F(HeapDeathTest, ForeignPointersPanic) {
  heap.allocate(16);
  int on_stack = 0;
  EXPECT_EXIT(heap.free(&on_stack), ::testing::ExitedWithCode(70), "heap: free of 0x[0-9a-f]+, which the heap did not hand out");
  void* from_malloc = std::malloc(64);
  EXPECT_EXIT(heap.free(from_malloc), ::testing::ExitedWithCode(70), "which the heap did not hand out");
  std::free(from_malloc);
  // Guest RAM that the page allocator handed to someone else.
  void* page = pages.allocate(1).value();
  EXPECT_EXIT(heap.free(page), ::testing::ExitedWithCode(70), "which the heap did not hand out");
}

TEST_F(HeapDeathTest, InteriorPointersPanic) {
  char* small = static_cast<char*>(heap.allocate(64));
  EXPECT_EXIT(heap.free(small + 16), ::testing::ExitedWithCode(70), "inside a 64-byte block, not at its start");
  EXPECT_EXIT(heap.free(small + 1), ::testing::ExitedWithCode(70), "not at its start");
  char* large = static_cast<char*>(heap.allocate(50 * KiB));
  EXPECT_EXIT(heap.free(large + 64), ::testing::ExitedWithCode(70), "inside a large block, not at its start");
  EXPECT_EXIT(heap.free(large - 64), ::testing::ExitedWithCode(70), "inside a large block, not at its start");
  EXPECT_EXIT(heap.usable_size(large + 8), ::testing::ExitedWithCode(70), "usable_size of 0x[0-9a-f]+, which is inside");
}

TEST_F(HeapDeathTest, UseOfAFreedBlockPanics) {
  void* block = heap.allocate(200);
  void* other = heap.allocate(200);
  heap.free(block);
  EXPECT_EXIT(heap.usable_size(block), ::testing::ExitedWithCode(70), "usable_size of .*already free");
  EXPECT_EXIT(heap.reallocate(block, 10), ::testing::ExitedWithCode(70), "reallocate of .*already free");
  heap.free(other);
}

TEST_F(HeapDeathTest, CorruptedFreeListPanics) {
  void* block = heap.allocate(128);
  void* other = heap.allocate(128);
  heap.free(block);
  if constexpr (asan::kEnabled) {
    // Under ASan the write after free is itself reported, with the block's history.
    EXPECT_DEATH(*static_cast<void* volatile*>(block) = other,
                 "0 bytes inside the 128-byte block 0x[0-9a-f]+ .freed.(.|\n)*freed by:(.|\n)*use-after-poison");
    return;
  }
  // A write after free aims the free list into the live neighbour.
  *static_cast<void**>(block) = other;
  EXPECT_EXIT(
      {
        heap.allocate(128);
        heap.allocate(128);
      },
      ::testing::ExitedWithCode(70), "free list of the 128-byte slab at 0x[0-9a-f]+ is corrupt");
}

// The asan preset's kernel heap marks for ASan what it hands out: each mistake below is
// reported at the faulting access, with where the block was allocated (and freed).
class HeapAsanTest : public HeapDeathTest {
 protected:
  void SetUp() override {
    if (!asan::kEnabled) GTEST_SKIP() << "needs the asan preset (ASan's manual poisoning)";
    HeapDeathTest::SetUp();
  }
};

TEST_F(HeapAsanTest, ReadPastTheRequestedSizeOfASmallBlock) {
  auto* bytes = static_cast<volatile char*>(heap.allocate(20));  // a 32-byte slot
  bytes[19] = 1;
  EXPECT_DEATH((void)bytes[20], "0 bytes past the end of the 20-byte block(.|\n)*allocated by:(.|\n)*use-after-poison");
}

TEST_F(HeapAsanTest, WritePastALargeBlock) {
  auto* bytes = static_cast<volatile char*>(heap.allocate(100000));
  bytes[99999] = 1;
  EXPECT_DEATH(bytes[100000] = 1, "0 bytes past the end of the 100000-byte block(.|\n)*use-after-poison");
}

TEST_F(HeapAsanTest, UseAfterFreeOfALargeBlock) {
  auto* bytes = static_cast<volatile char*>(heap.allocate(100000));
  heap.free(const_cast<char*>(bytes));
  EXPECT_DEATH((void)bytes[5000], "inside the 100000-byte block 0x[0-9a-f]+ .freed.(.|\n)*freed by:(.|\n)*use-after-poison");
}

TEST_F(HeapAsanTest, FreedBlocksWaitInQuarantineBeforeReuse) {
  void* first = heap.allocate(48);
  heap.free(first);
  // LIFO reuse would hand the same block straight back and hide a use after free.
  void* second = heap.allocate(48);
  EXPECT_NE(first, second);
  heap.free(second);
}

TEST_F(HeapAsanTest, ReallocateMovesTheRedzone) {
  auto* bytes = static_cast<volatile char*>(heap.allocate(40));
  bytes = static_cast<volatile char*>(heap.reallocate(const_cast<char*>(bytes), 30));
  bytes[29] = 1;
  EXPECT_DEATH(bytes[30] = 1, "use-after-poison");
}

}  // namespace
}  // namespace tessera
