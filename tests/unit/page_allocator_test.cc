#include "mm/page_allocator.hh"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "fake_platform/fake_platform.hh"

namespace tessera {
namespace {

constexpr size_t kPage = platform::kPageSize;

uintptr_t address_of(void* pointer) { return reinterpret_cast<uintptr_t>(pointer); }

// A region of `pages` pages, as the platform would hand it over.
struct TestRegion {
  explicit TestRegion(size_t pages) : ram(pages * kPage) {}
  fake::Ram ram;
  MemoryRegion region() const { return ram.region(); }
};

class PageAllocatorTest : public ::testing::Test {
 protected:
  void SetUp() override { allocator.reset(); }
  void* must_allocate(size_t count, size_t alignment = 1) {
    auto result = allocator.allocate(count, alignment);
    EXPECT_TRUE(result.is_ok()) << (result.is_error() ? result.error().message() : "");
    return result.is_ok() ? result.value() : nullptr;
  }
  PageAllocator allocator;
};

TEST_F(PageAllocatorTest, RegionKeepsItsBitmapInItsFirstPages) {
  TestRegion small(256);
  ASSERT_TRUE(allocator.add_region(small.region()).is_ok());
  EXPECT_EQ(allocator.stats().total_pages, 255u);  // one bitmap page
  EXPECT_EQ(allocator.stats().free_pages, 255u);
  EXPECT_EQ(allocator.stats().largest_free_run, 255u);
  MemoryRegion usable = allocator.usable_region(reinterpret_cast<void*>(small.region().start + kPage));
  EXPECT_EQ(usable.start, small.region().start + kPage);
  EXPECT_EQ(usable.size, 255 * kPage);
  // The bitmap page itself is never handed out or owned.
  EXPECT_FALSE(allocator.owns(reinterpret_cast<void*>(small.region().start)));
  EXPECT_TRUE(allocator.owns(reinterpret_cast<void*>(small.region().start + kPage)));
  EXPECT_FALSE(allocator.owns(reinterpret_cast<void*>(small.region().start + 256 * kPage)));
}

TEST_F(PageAllocatorTest, BitmapGrowsWithTheRegion) {
  // One bitmap page covers 32768 pages; 32770 pages need two of them.
  TestRegion large(32770);
  ASSERT_TRUE(allocator.add_region(large.region()).is_ok());
  EXPECT_EQ(allocator.stats().total_pages, 32768u);
  // Every usable page can really be handed out, the last one included.
  void* all = must_allocate(32768);
  EXPECT_EQ(address_of(all), large.region().start + 2 * kPage);
  static_cast<char*>(all)[32768 * kPage - 1] = 1;
  EXPECT_EQ(allocator.stats().free_pages, 0u);
}

TEST_F(PageAllocatorTest, RejectsBadRegions) {
  TestRegion ram(16);
  MemoryRegion good = ram.region();

  auto empty = allocator.add_region({good.start, 0});
  ASSERT_TRUE(empty.is_error());
  EXPECT_EQ(empty.error().code(), kEINVAL);
  EXPECT_NE(std::string(empty.error().message()).find("empty"), std::string::npos);

  auto unaligned_start = allocator.add_region({good.start + 8, 4 * kPage});
  ASSERT_TRUE(unaligned_start.is_error());
  EXPECT_EQ(unaligned_start.error().code(), kEINVAL);
  EXPECT_NE(std::string(unaligned_start.error().message()).find("not page-aligned"), std::string::npos);

  auto unaligned_size = allocator.add_region({good.start, 4 * kPage + 1});
  ASSERT_TRUE(unaligned_size.is_error());
  EXPECT_EQ(unaligned_size.error().code(), kEINVAL);

  auto wrapping = allocator.add_region({~uintptr_t{0} - kPage + 1, 2 * kPage});
  ASSERT_TRUE(wrapping.is_error());
  EXPECT_EQ(wrapping.error().code(), kEINVAL);

  // A single page cannot hold its bitmap and a usable page.
  auto too_small = allocator.add_region({good.start, kPage});
  ASSERT_TRUE(too_small.is_error());
  EXPECT_EQ(too_small.error().code(), kENOMEM);
  EXPECT_NE(std::string(too_small.error().message()).find("too small"), std::string::npos);

  ASSERT_TRUE(allocator.add_region({good.start, 8 * kPage}).is_ok());
  auto overlapping = allocator.add_region({good.start + 4 * kPage, 8 * kPage});
  ASSERT_TRUE(overlapping.is_error());
  EXPECT_EQ(overlapping.error().code(), kEINVAL);
  EXPECT_NE(std::string(overlapping.error().message()).find("overlaps"), std::string::npos);
  // Nothing above changed the one good region.
  EXPECT_EQ(allocator.stats().total_pages, 7u);
}

TEST_F(PageAllocatorTest, AtMostMaxRegions) {
  TestRegion ram(2 * (PageAllocator::kMaxRegions + 1));
  for (size_t i = 0; i < PageAllocator::kMaxRegions; ++i)
    ASSERT_TRUE(allocator.add_region({ram.region().start + 2 * i * kPage, 2 * kPage}).is_ok());
  auto one_more = allocator.add_region({ram.region().start + 2 * PageAllocator::kMaxRegions * kPage, 2 * kPage});
  ASSERT_TRUE(one_more.is_error());
  EXPECT_EQ(one_more.error().code(), kEINVAL);
  EXPECT_EQ(allocator.stats().total_pages, PageAllocator::kMaxRegions);
}

TEST_F(PageAllocatorTest, ResetForgetsEverything) {
  TestRegion ram(16);
  ASSERT_TRUE(allocator.add_region(ram.region()).is_ok());
  must_allocate(3);
  allocator.reset();
  auto stats = allocator.stats();
  EXPECT_EQ(stats.total_pages, 0u);
  EXPECT_EQ(stats.allocations, 0u);
  EXPECT_FALSE(allocator.owns(reinterpret_cast<void*>(ram.region().start + kPage)));
  EXPECT_TRUE(allocator.allocate(1).is_error());
  // The same memory can be handed over again.
  ASSERT_TRUE(allocator.add_region(ram.region()).is_ok());
  EXPECT_EQ(allocator.stats().free_pages, 15u);
}

TEST_F(PageAllocatorTest, SinglePagesAreDistinctAndInside) {
  TestRegion ram(64);
  ASSERT_TRUE(allocator.add_region(ram.region()).is_ok());
  std::vector<uintptr_t> pages;
  for (int i = 0; i < 63; ++i) {
    void* page = must_allocate(1);
    ASSERT_EQ(address_of(page) % kPage, 0u);
    ASSERT_TRUE(allocator.owns(page));
    std::memset(page, i, kPage);  // really usable memory
    pages.push_back(address_of(page));
  }
  std::sort(pages.begin(), pages.end());
  EXPECT_EQ(std::adjacent_find(pages.begin(), pages.end()), pages.end());
  for (int i = 0; i < 63; ++i) EXPECT_EQ(*reinterpret_cast<unsigned char*>(pages[i]), i);  // first-fit order
}

TEST_F(PageAllocatorTest, ExhaustionAndRecovery) {
  TestRegion ram(9);  // 8 usable pages
  ASSERT_TRUE(allocator.add_region(ram.region()).is_ok());
  void* all = must_allocate(8);
  auto failed = allocator.allocate(1);
  ASSERT_TRUE(failed.is_error());
  EXPECT_EQ(failed.error().code(), kENOMEM);
  EXPECT_STREQ(failed.error().message(), "out of memory: 1 pages requested, 0 free, largest run 0");
  EXPECT_EQ(allocator.stats().failed_allocations, 1u);

  allocator.free(static_cast<char*>(all) + 2 * kPage, 3);
  EXPECT_EQ(allocator.stats().free_pages, 3u);
  EXPECT_EQ(allocator.stats().largest_free_run, 3u);
  void* again = must_allocate(3);
  EXPECT_EQ(again, static_cast<char*>(all) + 2 * kPage);
  allocator.free(all, 2);
  allocator.free(again, 3);
  allocator.free(static_cast<char*>(all) + 5 * kPage, 3);
  EXPECT_EQ(allocator.stats().free_pages, 8u);
  EXPECT_EQ(allocator.stats().largest_free_run, 8u);
  EXPECT_EQ(must_allocate(8), all);
}

TEST_F(PageAllocatorTest, OutOfMemoryMessageNamesRequestFreeAndLargestRun) {
  TestRegion ram(21);  // 20 usable pages
  ASSERT_TRUE(allocator.add_region(ram.region()).is_ok());
  std::vector<void*> pages;
  for (int i = 0; i < 20; ++i) pages.push_back(must_allocate(1));
  for (int i = 0; i < 8; ++i) allocator.free(pages[i], 1);  // a run of 8
  for (int i : {10, 12, 14, 16}) allocator.free(pages[i], 1);
  auto failed = allocator.allocate(64);
  ASSERT_TRUE(failed.is_error());
  EXPECT_EQ(failed.error().code(), kENOMEM);
  EXPECT_STREQ(failed.error().message(), "out of memory: 64 pages requested, 12 free, largest run 8");
  auto aligned = allocator.allocate(8, 1024);
  ASSERT_TRUE(aligned.is_error());
  EXPECT_STREQ(aligned.error().message(),
               "out of memory: 8 pages aligned to 1024 pages requested, 12 free, largest run 8");
}

TEST_F(PageAllocatorTest, RejectsBadRequests) {
  TestRegion ram(16);
  ASSERT_TRUE(allocator.add_region(ram.region()).is_ok());
  auto zero = allocator.allocate(0);
  ASSERT_TRUE(zero.is_error());
  EXPECT_EQ(zero.error().code(), kEINVAL);
  auto odd_alignment = allocator.allocate(1, 3);
  ASSERT_TRUE(odd_alignment.is_error());
  EXPECT_EQ(odd_alignment.error().code(), kEINVAL);
  EXPECT_NE(std::string(odd_alignment.error().message()).find("power of two"), std::string::npos);
  auto zero_alignment = allocator.allocate(1, 0);
  ASSERT_TRUE(zero_alignment.is_error());
  // Absurd sizes and alignments fail cleanly instead of overflowing.
  auto huge = allocator.allocate(~size_t{0});
  ASSERT_TRUE(huge.is_error());
  EXPECT_EQ(huge.error().code(), kENOMEM);
  auto huge_alignment = allocator.allocate(1, size_t{1} << 63);
  ASSERT_TRUE(huge_alignment.is_error());
  EXPECT_EQ(huge_alignment.error().code(), kENOMEM);
  EXPECT_EQ(allocator.stats().failed_allocations, 5u);
  EXPECT_EQ(allocator.stats().free_pages, 15u);
}

TEST_F(PageAllocatorTest, AlignedRuns) {
  TestRegion ram(1024);
  ASSERT_TRUE(allocator.add_region(ram.region()).is_ok());
  must_allocate(1);  // make the first free page unaligned for anything above 1 page
  for (size_t alignment : {1, 2, 4, 8, 16, 32, 64, 128}) {
    for (size_t count : {1, 3, 16}) {
      void* run = must_allocate(count, alignment);
      ASSERT_NE(run, nullptr);
      EXPECT_EQ(address_of(run) % (alignment * kPage), 0u) << "alignment " << alignment << " count " << count;
      std::memset(run, 0xab, count * kPage);
    }
  }
  // Aligned runs skip the unaligned free pages before them rather than fail.
  auto stats = allocator.stats();
  EXPECT_GT(stats.free_pages, 0u);
  EXPECT_EQ(stats.allocations, 25u);
}

TEST_F(PageAllocatorTest, AlignedPageInsideTheRun) {
  TestRegion ram(1024);
  ASSERT_TRUE(allocator.add_region(ram.region()).is_ok());
  for (size_t aligned_index : {0, 1, 5}) {
    auto result = allocator.allocate_offset(8, 32, aligned_index);
    ASSERT_TRUE(result.is_ok());
    EXPECT_EQ((address_of(result.value()) + aligned_index * kPage) % (32 * kPage), 0u) << aligned_index;
  }
  // The pages before the aligned one are taken from what would otherwise be a gap:
  // with the aligned page second, a run needs only one page below the boundary.
  auto stats = allocator.stats();
  EXPECT_EQ(stats.total_pages - stats.free_pages, 24u);
  EXPECT_EQ(allocator.stats().allocations, 3u);
}

TEST_F(PageAllocatorTest, AlignmentTooLargeForTheRegionFails) {
  TestRegion ram(64);
  ASSERT_TRUE(allocator.add_region(ram.region()).is_ok());
  // At most one address in 64 pages is 64-page aligned, and then the run cannot fit.
  auto failed = allocator.allocate(63, 64);
  EXPECT_TRUE(failed.is_error());
  EXPECT_EQ(allocator.stats().free_pages, 63u);
}

TEST_F(PageAllocatorTest, FragmentationLimitsTheLargestRun) {
  TestRegion ram(129);  // 128 usable pages
  ASSERT_TRUE(allocator.add_region(ram.region()).is_ok());
  std::vector<void*> pages;
  for (int i = 0; i < 128; ++i) pages.push_back(must_allocate(1));
  for (int i = 0; i < 128; i += 2) allocator.free(pages[i], 1);
  auto stats = allocator.stats();
  EXPECT_EQ(stats.free_pages, 64u);
  EXPECT_EQ(stats.largest_free_run, 1u);
  auto two = allocator.allocate(2);
  ASSERT_TRUE(two.is_error());
  EXPECT_STREQ(two.error().message(), "out of memory: 2 pages requested, 64 free, largest run 1");
  // Freeing page 99 joins the free pages 98 and 100 into a run of three.
  allocator.free(pages[99], 1);
  EXPECT_EQ(allocator.stats().largest_free_run, 3u);
  EXPECT_EQ(must_allocate(3), pages[98]);
  // Single pages still fill the holes from the bottom.
  EXPECT_EQ(must_allocate(1), pages[0]);
}

TEST_F(PageAllocatorTest, MultipleRegions) {
  TestRegion first(9), second(33);  // 8 and 32 usable pages
  ASSERT_TRUE(allocator.add_region(first.region()).is_ok());
  ASSERT_TRUE(allocator.add_region(second.region()).is_ok());
  EXPECT_EQ(allocator.stats().total_pages, 40u);
  EXPECT_EQ(allocator.stats().largest_free_run, 32u);

  void* in_first = must_allocate(8);
  EXPECT_EQ(address_of(in_first), first.region().start + kPage);
  void* in_second = must_allocate(4);  // the first region is full now
  EXPECT_EQ(address_of(in_second), second.region().start + kPage);
  EXPECT_TRUE(allocator.owns(in_first));
  EXPECT_TRUE(allocator.owns(in_second));
  EXPECT_EQ(allocator.usable_region(in_second).start, second.region().start + kPage);

  // 28 + 4 pages are free, but no run of 30 exists in either region.
  allocator.free(static_cast<char*>(in_first) + 4 * kPage, 4);
  auto split = allocator.allocate(30);
  ASSERT_TRUE(split.is_error());
  EXPECT_STREQ(split.error().message(), "out of memory: 30 pages requested, 32 free, largest run 28");

  // A run never spans two regions, even adjacent ones.
  allocator.free(in_second, 4);
  allocator.free(in_first, 4);
  EXPECT_EQ(allocator.stats().free_pages, 40u);
}

TEST_F(PageAllocatorTest, AdjacentRegionsStaySeparate) {
  TestRegion ram(20);
  ASSERT_TRUE(allocator.add_region({ram.region().start, 10 * kPage}).is_ok());
  ASSERT_TRUE(allocator.add_region({ram.region().start + 10 * kPage, 10 * kPage}).is_ok());
  EXPECT_EQ(allocator.stats().largest_free_run, 9u);
  EXPECT_TRUE(allocator.allocate(10).is_error());
  void* a = must_allocate(9);
  void* b = must_allocate(9);
  EXPECT_NE(allocator.usable_region(a).start, allocator.usable_region(b).start);
}

// Checks allocator.stats() against a model of which pages are live.
void expect_consistent(const PageAllocator& allocator, const std::vector<MemoryRegion>& usable,
                       const std::map<uintptr_t, size_t>& live) {
  size_t total = 0, used = 0, largest = 0;
  for (auto& region : usable) {
    total += region.size / kPage;
    uintptr_t cursor = region.start, end = region.start + region.size;
    for (auto it = live.lower_bound(region.start); it != live.end() && it->first < end; ++it) {
      largest = std::max(largest, (it->first - cursor) / kPage);
      cursor = it->first + it->second * kPage;
      used += it->second;
    }
    largest = std::max(largest, (end - cursor) / kPage);
  }
  auto stats = allocator.stats();
  EXPECT_EQ(stats.total_pages, total);
  EXPECT_EQ(stats.free_pages, total - used);
  EXPECT_EQ(stats.largest_free_run, largest);
}

TEST_F(PageAllocatorTest, RandomizedAgainstAShadowModel) {
  TestRegion first(200), second(300);
  ASSERT_TRUE(allocator.add_region(first.region()).is_ok());
  ASSERT_TRUE(allocator.add_region(second.region()).is_ok());
  std::vector<MemoryRegion> usable = {allocator.usable_region(reinterpret_cast<void*>(first.region().start + kPage)),
                                      allocator.usable_region(reinterpret_cast<void*>(second.region().start + kPage))};
  std::mt19937_64 random(1234);
  std::map<uintptr_t, size_t> live;  // start -> pages
  uint64_t allocations = 0, frees = 0, failures = 0;

  auto pattern = [](uintptr_t page, size_t i) { return uint64_t(page * 31 + i); };
  for (int step = 0; step < 4000; ++step) {
    bool allocate = live.empty() || random() % 100 < 55;
    if (allocate) {
      size_t count = 1 + random() % (random() % 4 == 0 ? 40 : 4);
      size_t alignment = size_t{1} << (random() % 4);
      auto result = allocator.allocate(count, alignment);
      if (result.is_error()) {
        ++failures;
        EXPECT_EQ(result.error().code(), kENOMEM);
        continue;
      }
      ++allocations;
      uintptr_t start = address_of(result.value());
      ASSERT_EQ(start % (alignment * kPage), 0u);
      // No overlap with a live run on either side.
      auto next = live.lower_bound(start);
      if (next != live.end()) ASSERT_GE(next->first, start + count * kPage);
      if (next != live.begin()) {
        auto before = std::prev(next);
        ASSERT_LE(before->first + before->second * kPage, start);
      }
      // Inside one region.
      MemoryRegion region = allocator.usable_region(result.value());
      ASSERT_NE(region.size, 0u);
      ASSERT_LE(start + count * kPage, region.start + region.size);
      for (size_t i = 0; i < count; ++i)
        *reinterpret_cast<uint64_t*>(start + i * kPage) = pattern(start, i);
      live[start] = count;
    } else {
      auto it = live.begin();
      std::advance(it, random() % live.size());
      for (size_t i = 0; i < it->second; ++i)
        ASSERT_EQ(*reinterpret_cast<uint64_t*>(it->first + i * kPage), pattern(it->first, i));
      allocator.free(reinterpret_cast<void*>(it->first), it->second);
      ++frees;
      live.erase(it);
    }
    if (step % 50 == 0) expect_consistent(allocator, usable, live);
  }
  expect_consistent(allocator, usable, live);
  auto stats = allocator.stats();
  EXPECT_EQ(stats.allocations, allocations);
  EXPECT_EQ(stats.frees, frees);
  EXPECT_EQ(stats.failed_allocations, failures);
  EXPECT_GT(failures, 0u) << "the stress never reached exhaustion";
  for (auto& [start, count] : live) allocator.free(reinterpret_cast<void*>(start), count);
  EXPECT_EQ(allocator.stats().free_pages, allocator.stats().total_pages);
  EXPECT_EQ(allocator.stats().largest_free_run, 299u);
}

TEST(PageAllocatorGlobalTest, IsOneInstance) {
  EXPECT_EQ(&page_allocator(), &page_allocator());
}

using PageAllocatorDeathTest = PageAllocatorTest;

TEST_F(PageAllocatorDeathTest, DoubleFreePanics) {
  TestRegion ram(16);
  ASSERT_TRUE(allocator.add_region(ram.region()).is_ok());
  void* pages = must_allocate(2);
  allocator.free(pages, 2);
  EXPECT_EXIT(allocator.free(pages, 2), ::testing::ExitedWithCode(70),
              "KERNEL PANIC: page allocator: free of 0x[0-9a-f]+ \\+ 2 pages, some of which are not allocated");
}

TEST_F(PageAllocatorDeathTest, PartlyAllocatedRangePanics) {
  TestRegion ram(16);
  ASSERT_TRUE(allocator.add_region(ram.region()).is_ok());
  void* pages = must_allocate(2);
  EXPECT_EXIT(allocator.free(pages, 3), ::testing::ExitedWithCode(70), "not allocated");
}

TEST_F(PageAllocatorDeathTest, ForeignPointerPanics) {
  TestRegion ram(16);
  ASSERT_TRUE(allocator.add_region(ram.region()).is_ok());
  alignas(4096) static char elsewhere[4096];
  EXPECT_EXIT(allocator.free(elsewhere, 1), ::testing::ExitedWithCode(70), "which no memory region owns");
  // The bitmap page is inside the region but was never handed out.
  EXPECT_EXIT(allocator.free(reinterpret_cast<void*>(ram.region().start), 1), ::testing::ExitedWithCode(70),
              "which no memory region owns");
}

TEST_F(PageAllocatorDeathTest, UnalignedOrEmptyOrOverlongFreePanics) {
  TestRegion ram(16);
  ASSERT_TRUE(allocator.add_region(ram.region()).is_ok());
  char* pages = static_cast<char*>(must_allocate(15));
  EXPECT_EXIT(allocator.free(pages + 8, 1), ::testing::ExitedWithCode(70), "free of unaligned address");
  EXPECT_EXIT(allocator.free(pages, 0), ::testing::ExitedWithCode(70), "free of zero pages");
  EXPECT_EXIT(allocator.free(pages, 16), ::testing::ExitedWithCode(70), "runs past the end of its region");
  EXPECT_EXIT(allocator.free(pages, ~size_t{0}), ::testing::ExitedWithCode(70), "runs past the end");
}

}  // namespace
}  // namespace tessera
