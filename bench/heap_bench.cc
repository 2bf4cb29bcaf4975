// The kernel heap against glibc malloc/free, side by side in one process. Every
// BM_Heap_* has a BM_Glibc_* twin doing exactly the same operations (bench/ratios.py
// pairs them by name). The heap runs over guest RAM mmap'd here, without booting a
// machine: it only needs the page allocator.
#include <benchmark/benchmark.h>
#include <sys/mman.h>

#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

#include "mm/heap.hh"
#include "mm/page_allocator.hh"

namespace {

using tessera::Heap;
using tessera::PageAllocator;

constexpr size_t kRamBytes = size_t{512} << 20;

// Guest RAM for the whole run, mapped lazily so untouched pages cost nothing.
tessera::MemoryRegion guest_ram() {
  static void* base = [] {
    void* mapped = mmap(nullptr, kRamBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (mapped == MAP_FAILED) {
      std::perror("heap_bench: mmap");
      std::abort();
    }
    return mapped;
  }();
  return {reinterpret_cast<uintptr_t>(base), kRamBytes};
}

constinit PageAllocator g_pages;
constinit Heap g_heap;

// A fresh heap for every benchmark, so none inherits another's fragmentation.
Heap& fresh_heap() {
  g_pages.reset();
  if (g_pages.add_region(guest_ram()).is_error()) std::abort();
  g_heap.reset(g_pages);
  return g_heap;
}

struct OurHeap {
  Heap& heap = fresh_heap();
  void* allocate(size_t size) { return heap.allocate(size); }
  void free(void* pointer) { heap.free(pointer); }
};
struct Glibc {
  void* allocate(size_t size) { return std::malloc(size); }
  void free(void* pointer) { std::free(pointer); }
};

void set_rate(benchmark::State& state, double operations_per_iteration) {
  // ns per allocate+free pair, and pairs per second.
  state.counters["ns_per_pair"] = benchmark::Counter(operations_per_iteration,
                                                     benchmark::Counter::kIsIterationInvariantRate |
                                                         benchmark::Counter::kInvert);
  state.SetItemsProcessed(int64_t(state.iterations() * operations_per_iteration));
}

// One block allocated and freed at once: the allocator's fast path.
template <typename Allocator> void alloc_free(benchmark::State& state) {
  Allocator allocator;
  size_t size = size_t(state.range(0));
  for (auto _ : state) {
    void* block = allocator.allocate(size);
    benchmark::DoNotOptimize(block);
    allocator.free(block);
  }
  set_rate(state, 1);
}

// 512 blocks allocated, then all freed: free lists get long and slabs fill and empty.
template <typename Allocator> void batch(benchmark::State& state) {
  Allocator allocator;
  size_t size = size_t(state.range(0));
  constexpr size_t kBatch = 512;
  void* blocks[kBatch];
  for (auto _ : state) {
    for (auto& block : blocks) {
      block = allocator.allocate(size);
      benchmark::DoNotOptimize(block);
    }
    for (auto* block : blocks) allocator.free(block);
  }
  set_rate(state, kBatch);
}

// A fixed script of allocations and frees of random sizes over 4096 slots, the same
// for both allocators: mostly small blocks, some up to a page, a few up to 64 KiB.
struct MixedScript {
  struct Step {
    uint32_t slot;
    uint32_t size;
  };
  static constexpr size_t kSlots = 4096;
  std::vector<Step> steps;

  MixedScript() {
    std::mt19937_64 random(20240601);
    for (size_t i = 0; i < 1 << 16; ++i) {
      uint64_t kind = random() % 100;
      uint32_t size = kind < 70 ? 1 + random() % 256 : kind < 97 ? 1 + random() % 4096 : 1 + random() % 65536;
      steps.push_back({uint32_t(random() % kSlots), size});
    }
  }
  static const MixedScript& instance() {
    static MixedScript script;
    return script;
  }
};

template <typename Allocator> void mixed(benchmark::State& state) {
  Allocator allocator;
  const auto& script = MixedScript::instance();
  std::vector<void*> slots(MixedScript::kSlots, nullptr);
  for (auto _ : state) {
    for (auto& step : script.steps) {
      void*& slot = slots[step.slot];
      if (slot) {
        allocator.free(slot);
        slot = nullptr;
      } else {
        slot = allocator.allocate(step.size);
        benchmark::DoNotOptimize(slot);
      }
    }
  }
  for (void* slot : slots) allocator.free(slot);
  // Each step is half a pair on average.
  set_rate(state, double(script.steps.size()) / 2);
}

void BM_Heap_AllocFree(benchmark::State& state) { alloc_free<OurHeap>(state); }
void BM_Glibc_AllocFree(benchmark::State& state) { alloc_free<Glibc>(state); }
void BM_Heap_Batch(benchmark::State& state) { batch<OurHeap>(state); }
void BM_Glibc_Batch(benchmark::State& state) { batch<Glibc>(state); }
void BM_Heap_Mixed(benchmark::State& state) { mixed<OurHeap>(state); }
void BM_Glibc_Mixed(benchmark::State& state) { mixed<Glibc>(state); }

void sizes(benchmark::internal::Benchmark* benchmark) {
  for (int64_t size : {16, 64, 256, 1024, 4096, 64 << 10}) benchmark->Arg(size);
  benchmark->MinTime(0.2);
}
BENCHMARK(BM_Heap_AllocFree)->Apply(sizes);
BENCHMARK(BM_Glibc_AllocFree)->Apply(sizes);
BENCHMARK(BM_Heap_Batch)->Apply(sizes);
BENCHMARK(BM_Glibc_Batch)->Apply(sizes);
BENCHMARK(BM_Heap_Mixed)->MinTime(0.2);
BENCHMARK(BM_Glibc_Mixed)->MinTime(0.2);

}  // namespace

BENCHMARK_MAIN();
