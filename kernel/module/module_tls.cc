#include "module/module_tls.hh"

#include <tessera/ktl/utility.hh>
#include <tessera/panic.hh>

#include "arch/x86_64/context.hh"
#include "mm/heap.hh"
#include "module/module_format.hh"
#include "sched/scheduler.hh"
#include "sched/thread.hh"

namespace tessera::module_tls {
namespace {

struct Slot {
  bool used = false;
  bool is_static = false;
  size_t static_offset = 0;  // inside the reserve
  uint64_t size = 0;
  uint64_t alignment = 0;  // set with the slot; all-zero slots keep g_state in .bss
  ktl::Bytes initial;
};

// A thread's dynamic blocks, indexed by module id; allocated on the thread's first
// dynamic access and listed globally so that unloads and thread exits can free blocks.
struct DynamicVector {
  uint64_t generation;
  uintptr_t owner_thread_pointer;
  DynamicVector* next;
  void* blocks[kMaxModules + 1];
};

alignas(kStaticReserveAlignment) __thread uint8_t t_static_reserve[kStaticReserveSize];
__thread DynamicVector* t_dynamic_vector;

struct State {
  Slot slots[kMaxModules + 1];  // index 0 unused: ids start at 1
  DynamicVector* vectors = nullptr;
  size_t dynamic_blocks = 0;
};
constinit State g_state;
// Never reset: a vector whose generation differs belongs to an earlier boot's heap.
constinit uint64_t g_generation = 1;

intptr_t reserve_tp_offset() {
  return static_cast<intptr_t>(reinterpret_cast<uintptr_t>(t_static_reserve) - arch::read_thread_pointer());
}

uintptr_t owner_of_current_thread() {
  Thread* current = Thread::current();
  return current ? current->thread_pointer() : 0;
}

void fill_slot(uint8_t* destination, const Slot& slot) {
  size_t initial = slot.initial.size();
  if (initial) __builtin_memcpy(destination, slot.initial.data(), initial);
  __builtin_memset(destination + initial, 0, slot.size - initial);
}

// Where `thread`'s copy of the reserve lives: the live one for the running thread (which
// hosted is the TLS window), its own block below its thread pointer for the others.
uint8_t* reserve_of(Thread* thread) {
  if (!thread || thread == Thread::current()) return t_static_reserve;
  return reinterpret_cast<uint8_t*>(thread->thread_pointer() + reserve_tp_offset());
}

bool overlaps_static(size_t offset, uint64_t size, size_t except_id) {
  for (size_t id = 1; id <= kMaxModules; ++id) {
    const Slot& slot = g_state.slots[id];
    if (id == except_id || !slot.used || !slot.is_static) continue;
    if (offset < slot.static_offset + slot.size && slot.static_offset < offset + size) return true;
  }
  return false;
}

// First fit: candidate offsets are 0 and the aligned end of each static slot.
bool place_static(uint64_t size, uint64_t alignment, size_t& out) {
  if (alignment > kStaticReserveAlignment || size > kStaticReserveSize) return false;
  auto fits = [&](size_t offset) {
    size_t aligned = 0;
    if (!ktl::align_up(offset, static_cast<size_t>(alignment), aligned)) return false;
    if (aligned + size > kStaticReserveSize || overlaps_static(aligned, size, 0)) return false;
    out = aligned;
    return true;
  };
  if (fits(0)) return true;
  for (size_t id = 1; id <= kMaxModules; ++id) {
    const Slot& slot = g_state.slots[id];
    if (slot.used && slot.is_static && fits(slot.static_offset + slot.size)) return true;
  }
  return false;
}

struct FillContext {
  const Slot* slot;
};

void fill_in_thread(Thread& thread, void* context) {
  const Slot& slot = *static_cast<FillContext*>(context)->slot;
  // A finished thread may already have given its TLS block back.
  if (&thread != Thread::current() && thread.thread_pointer() == 0) return;
  fill_slot(reserve_of(&thread) + slot.static_offset, slot);
}

DynamicVector& current_vector() {
  DynamicVector* vector = t_dynamic_vector;
  if (vector && vector->generation == g_generation) return *vector;
  vector = static_cast<DynamicVector*>(heap().allocate(sizeof(DynamicVector)));
  if (!vector) panic("module TLS: out of memory for a thread's dynamic TLS vector");
  __builtin_memset(vector, 0, sizeof(DynamicVector));
  vector->generation = g_generation;
  vector->owner_thread_pointer = owner_of_current_thread();
  vector->next = g_state.vectors;
  g_state.vectors = vector;
  t_dynamic_vector = vector;
  return *vector;
}

void free_vector_blocks(DynamicVector& vector) {
  for (void*& block : vector.blocks) {
    if (!block) continue;
    heap().free(block);
    block = nullptr;
    --g_state.dynamic_blocks;
  }
}

}  // namespace

void reset() {
  g_state = State{};
  ++g_generation;
  t_dynamic_vector = nullptr;
  __builtin_memset(t_static_reserve, 0, sizeof(t_static_reserve));
}

Result<void> attach(Module::Tls& tls, const ElfImage::TlsSegment& segment, bool needs_static,
                    ktl::StringView module_name) {
  size_t id = 0;
  for (size_t candidate = 1; candidate <= kMaxModules && !id; ++candidate)
    if (!g_state.slots[candidate].used) id = candidate;
  if (!id)
    return Error::with_message(kENOMEM, "module %.*s: all %zu module TLS slots are in use",
                               TESSERA_NAME_ARG(module_name), kMaxModules);
  Slot slot;
  slot.used = true;
  slot.size = segment.memory_size;
  slot.alignment = segment.alignment ? segment.alignment : 1;
  slot.initial = segment.initial;
  slot.is_static = place_static(slot.size, slot.alignment, slot.static_offset);
  if (!slot.is_static && needs_static)
    return Error::with_message(kENOMEM,
                               "module %.*s: initial-exec TLS of %llu bytes (alignment %llu) does not fit the "
                               "static TLS reserve (%zu bytes, %zu in use)",
                               TESSERA_NAME_ARG(module_name), static_cast<unsigned long long>(slot.size),
                               static_cast<unsigned long long>(slot.alignment), kStaticReserveSize,
                               static_bytes_in_use());
  g_state.slots[id] = slot;
  tls.id = id;
  tls.is_static = slot.is_static;
  tls.size = slot.size;
  tls.alignment = slot.alignment;
  tls.initial = slot.initial;
  tls.tp_offset = slot.is_static ? reserve_tp_offset() + static_cast<intptr_t>(slot.static_offset) : 0;
  if (slot.is_static) {
    FillContext context{&g_state.slots[id]};
    if (Thread::current()) Scheduler::for_each_thread(fill_in_thread, &context);
    else fill_slot(t_static_reserve + slot.static_offset, slot);
  }
  return {};
}

void detach(Module::Tls& tls) {
  if (!tls.id || tls.id > kMaxModules || !g_state.slots[tls.id].used) return;
  Slot& slot = g_state.slots[tls.id];
  if (!slot.is_static) {
    for (DynamicVector* vector = g_state.vectors; vector; vector = vector->next) {
      if (void*& block = vector->blocks[tls.id]; block) {
        heap().free(block);
        block = nullptr;
        --g_state.dynamic_blocks;
      }
    }
  }
  slot = Slot{};
  tls = Module::Tls{};
}

void thread_created(uintptr_t thread_pointer) {
  if (!thread_pointer) return;
  auto* reserve = reinterpret_cast<uint8_t*>(thread_pointer + reserve_tp_offset());
  for (size_t id = 1; id <= kMaxModules; ++id) {
    const Slot& slot = g_state.slots[id];
    if (slot.used && slot.is_static) fill_slot(reserve + slot.static_offset, slot);
  }
}

void thread_released(uintptr_t thread_pointer) {
  if (!thread_pointer) return;
  DynamicVector** link = &g_state.vectors;
  while (DynamicVector* vector = *link) {
    if (vector->owner_thread_pointer != thread_pointer) {
      link = &vector->next;
      continue;
    }
    *link = vector->next;
    free_vector_blocks(*vector);
    heap().free(vector);
  }
}

void* get_address(uint64_t id, uint64_t offset) {
  if (id == 0 || id > kMaxModules || !g_state.slots[id].used)
    panic("module TLS: access to module id %llu, which has no TLS", static_cast<unsigned long long>(id));
  const Slot& slot = g_state.slots[id];
  if (slot.is_static) return t_static_reserve + slot.static_offset + offset;
  DynamicVector& vector = current_vector();
  void*& block = vector.blocks[id];
  if (!block) {
    size_t alignment = slot.alignment < 16 ? 16 : slot.alignment;
    block = heap().allocate(slot.size, alignment);
    if (!block)
      panic("module TLS: out of memory for a %llu-byte TLS block of module id %llu",
            static_cast<unsigned long long>(slot.size), static_cast<unsigned long long>(id));
    fill_slot(static_cast<uint8_t*>(block), slot);
    ++g_state.dynamic_blocks;
  }
  return static_cast<uint8_t*>(block) + offset;
}

void* tls_get_addr(TlsIndex* index) { return get_address(index->module, index->offset); }

size_t static_bytes_in_use() {
  size_t total = 0;
  for (size_t id = 1; id <= kMaxModules; ++id)
    if (g_state.slots[id].used && g_state.slots[id].is_static) total += g_state.slots[id].size;
  return total;
}

size_t dynamic_blocks_live() { return g_state.dynamic_blocks; }

}  // namespace tessera::module_tls

// Called by tessera_tlsdesc_dynamic with every register saved: the address of the
// variable the descriptor's argument names, in the calling thread.
extern "C" uintptr_t tessera_tlsdesc_dynamic_address(uint64_t argument) {
  using namespace tessera::module_tls;
  uint64_t id = argument >> kDescriptorOffsetBits;
  uint64_t offset = argument & ((uint64_t{1} << kDescriptorOffsetBits) - 1);
  return reinterpret_cast<uintptr_t>(get_address(id, offset));
}
