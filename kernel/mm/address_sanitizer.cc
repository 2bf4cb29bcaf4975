// Allocation history for ASan reports. ASan's own allocator keeps the stacks of malloc
// and free; the kernel heap is ours, so it keeps them itself: a direct-mapped table of
// the last block seen at each hash slot (a collision forgets the older block, and the
// report then says it has no history rather than guessing).
#include "mm/address_sanitizer.hh"

#if TESSERA_ASAN
#include <tessera/format.hh>

#include "module/module_symbolizer.hh"

extern "C" uintptr_t __asan_get_report_address();
extern "C" void __sanitizer_symbolize_pc(void* pc, const char* format, char* out, size_t capacity);
#endif

namespace tessera::asan {

#if TESSERA_ASAN
namespace {

constexpr size_t kFrames = 8;
constexpr size_t kSlots = size_t{1} << 16;

struct History {
  uint64_t sequence;  // allocation order: the newest block covering an address is its owner
  uintptr_t block;
  size_t size;
  uintptr_t allocated_by[kFrames];
  uintptr_t freed_by[kFrames];
  bool freed;
};

History g_history[kSlots];
uint64_t g_sequence;

size_t slot_of(uintptr_t block) { return (block >> 4) * 0x9e3779b97f4a7c15ull >> 48; }

// Frame-pointer walk from the caller of the heap: stops at anything that does not look
// like the next frame up the same stack.
__attribute__((no_sanitize_address, noinline)) void capture(uintptr_t* frames) {
  auto* frame = static_cast<uintptr_t*>(__builtin_frame_address(0));
  size_t count = 0;
  for (size_t depth = 0; frame && count < kFrames && depth < kFrames + 3; ++depth) {
    uintptr_t return_address = frame[1];
    auto* next = reinterpret_cast<uintptr_t*>(frame[0]);
    // The first frames are this file's and the heap's own: skip two.
    if (depth >= 2 && return_address) frames[count++] = return_address;
    if (next <= frame || reinterpret_cast<uintptr_t>(next) - reinterpret_cast<uintptr_t>(frame) > (1u << 20)) break;
    frame = next;
  }
  for (; count < kFrames; ++count) frames[count] = 0;
}

void print_frames(const char* title, const uintptr_t* frames) {
  print("kernel heap: %s\n", title);
  for (size_t i = 0; i < kFrames && frames[i]; ++i) {
    char where[160];
    if (describe_module_address(frames[i] - 1, where, sizeof where)) print("    #%zu 0x%lx in %s\n", i, frames[i], where);
    else {
      // Kernel frames: the sanitizer runtime reads the host binary's debug info.
      __sanitizer_symbolize_pc(reinterpret_cast<void*>(frames[i] - 1), "%f %L", where, sizeof where);
      print("    #%zu 0x%lx in %s\n", i, frames[i], where);
    }
  }
}

}  // namespace

void record_allocation(const void* block, size_t size) {
  auto address = reinterpret_cast<uintptr_t>(block);
  History& entry = g_history[slot_of(address)];
  entry.sequence = ++g_sequence;
  entry.block = address;
  entry.size = size;
  entry.freed = false;
  capture(entry.allocated_by);
}

// Reading the freed block is what ASan can report; the line before says what happened.
__attribute__((noinline)) void report_double_free(const void* block) {
  print("kernel heap: double free of %p: AddressSanitizer's report follows\n", block);
  (void)*static_cast<const volatile char*>(block);
}

void record_free(const void* block) {
  auto address = reinterpret_cast<uintptr_t>(block);
  History& entry = g_history[slot_of(address)];
  if (entry.block != address) return;
  entry.freed = true;
  capture(entry.freed_by);
}

// Finds the block the bad address belongs to: of the blocks recorded at 16-byte aligned
// starts up to 16 MiB below it whose end (plus a page of slack for overflows) lies past
// it, the most recently allocated one (memory is reused: older blocks there are gone).
void describe(uintptr_t address) {
  const History* owner = nullptr;
  for (uintptr_t start = address & ~uintptr_t{15}, steps = 0; steps < (size_t{1} << 20) && start >= 16;
       start -= 16, ++steps) {
    const History& entry = g_history[slot_of(start)];
    if (entry.block != start || address >= start + entry.size + 4096) continue;
    if (!owner || entry.sequence > owner->sequence) owner = &entry;
  }
  // An underflow lands just below the next block: that block, not the one before, is the
  // one the code was using.
  const History* next = nullptr;
  for (uintptr_t start = (address + 16) & ~uintptr_t{15}; start <= address + 64; start += 16) {
    const History& entry = g_history[slot_of(start)];
    if (entry.block == start) {
      next = &entry;
      break;
    }
  }
  if (next && (!owner || address >= owner->block + owner->size) &&
      (!owner || next->block - address < address - (owner->block + owner->size))) {
    print("kernel heap: 0x%lx is %ld bytes before the %zu-byte block 0x%lx (%s)\n", address,
          long(next->block - address), next->size, next->block, next->freed ? "freed" : "allocated");
    owner = next;
  } else if (owner) {
    uintptr_t start = owner->block, end = start + owner->size;
    print("kernel heap: 0x%lx is %ld bytes %s the %zu-byte block 0x%lx (%s)\n", address,
          long(address >= end ? address - end : address - start), address >= end ? "past the end of" : "inside",
          owner->size, start, owner->freed ? "freed" : "allocated");
  } else {
    return;
  }
  print_frames("allocated by:", owner->allocated_by);
  if (owner->freed) print_frames("freed by:", owner->freed_by);
}

#else
void record_allocation(const void*, size_t) {}
void record_free(const void*) {}
void report_double_free(const void*) {}
#endif

}  // namespace tessera::asan

#if TESSERA_ASAN
// ASan calls this hook (when defined) as it reports an error, before it prints the
// report: the kernel adds the block's history. Weak, like ASan's own default.
extern "C" __attribute__((weak)) void __asan_on_error() { tessera::asan::describe(__asan_get_report_address()); }
#endif
