#include "page_tables.hh"

#include "cpu.hh"

namespace tessera::vm {
namespace {

constexpr uintptr_t kPage = 4096;
constexpr uint64_t kAddressMask = 0x000ffffffffff000;
constexpr uint64_t kTableFlags = PageTables::kPresent | PageTables::kWritable;  // leaves decide the rights

constinit uintptr_t g_pool_next = 0;
constinit uintptr_t g_pool_end = 0;
constinit uint64_t* g_root = nullptr;

uint64_t* allocate_table() {
  if (g_pool_next + kPage > g_pool_end) return nullptr;
  auto* table = reinterpret_cast<uint64_t*>(g_pool_next);
  g_pool_next += kPage;
  __builtin_memset(table, 0, kPage);
  return table;
}

unsigned index_at(uintptr_t address, unsigned level) { return (address >> (12 + 9 * level)) & 511; }

// The leaf entry for `address`, creating intermediate tables when `create`.
uint64_t* leaf_entry(uintptr_t address, bool create) {
  uint64_t* table = g_root;
  for (unsigned level = 3; level > 0; --level) {
    uint64_t& entry = table[index_at(address, level)];
    if (!(entry & PageTables::kPresent)) {
      if (!create) return nullptr;
      uint64_t* next = allocate_table();
      if (!next) return nullptr;
      entry = reinterpret_cast<uintptr_t>(next) | kTableFlags;
    }
    table = reinterpret_cast<uint64_t*>(entry & kAddressMask);
  }
  return &table[index_at(address, 0)];
}

}  // namespace

void PageTables::begin(uintptr_t pool_start, size_t pool_size) {
  g_pool_next = pool_start;
  g_pool_end = pool_start + pool_size;
  g_root = allocate_table();
}

size_t PageTables::pool_pages_needed(uintptr_t highest_address, size_t extra_ranges) {
  auto levels = [&](unsigned shift) { return size_t((highest_address >> shift) + 1); };
  // One leaf table per 2 MiB, one directory per 1 GiB, one PDPT per 512 GiB, the root;
  // each extra range (far away from RAM, like the APIC page) may need its own chain.
  return levels(21) + levels(30) + levels(39) + 1 + 3 * extra_ranges;
}

bool PageTables::map(uintptr_t start, uintptr_t end, uint64_t flags) {
  for (uintptr_t page = start & ~(kPage - 1); page < end; page += kPage) {
    uint64_t* entry = leaf_entry(page, true);
    if (!entry) return false;
    *entry = page | flags;
  }
  return true;
}

void PageTables::activate() { cpu::write_cr3(reinterpret_cast<uintptr_t>(g_root)); }

bool PageTables::set_page(uintptr_t address, uint64_t flags) {
  uint64_t* entry = leaf_entry(address, false);
  if (!entry || (*entry & kAddressMask) != (address & kAddressMask)) return false;
  *entry = flags ? (address & kAddressMask) | flags : (address & kAddressMask);
  cpu::invlpg(address);
  return true;
}

}  // namespace tessera::vm
