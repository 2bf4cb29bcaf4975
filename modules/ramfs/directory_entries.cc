#include "directory_entries.hh"

#include <tessera/errno.hh>

namespace tessera::ramfs {

bool DirectoryEntries::find(ktl::StringView name, uint32_t& index) const {
  uint32_t low = 0, high = count_;
  while (low < high) {
    uint32_t middle = low + (high - low) / 2;
    int order = compare(entries_[middle].name_view(), name);
    if (order == 0) {
      index = middle;
      return true;
    }
    if (order < 0) low = middle + 1;
    else high = middle;
  }
  index = low;
  return false;
}

int DirectoryEntries::reserve_one(RamMemory& memory) {
  if (count_ < capacity_) return 0;
  if (capacity_ >= UINT32_MAX / 2) return -kENOSPC;
  uint32_t capacity = capacity_ ? capacity_ * 2 : 8;
  int error = 0;
  auto* entries = static_cast<DirectoryEntry*>(memory.allocate(capacity * sizeof(DirectoryEntry), error, table_bytes()));
  if (!entries) return error;
  if (count_) __builtin_memcpy(entries, entries_, count_ * sizeof(DirectoryEntry));
  memory.release(entries_, table_bytes());
  entries_ = entries;
  capacity_ = capacity;
  return 0;
}

void DirectoryEntries::insert(uint32_t index, const DirectoryEntry& entry) {
  __builtin_memmove(entries_ + index + 1, entries_ + index, (count_ - index) * sizeof(DirectoryEntry));
  entries_[index] = entry;
  ++count_;
}

void DirectoryEntries::remove(uint32_t index) {
  __builtin_memmove(entries_ + index, entries_ + index + 1, (count_ - index - 1) * sizeof(DirectoryEntry));
  --count_;
}

void DirectoryEntries::release_if_empty(RamMemory& memory) {
  if (count_ == 0) release(memory);
}

void DirectoryEntries::release(RamMemory& memory) {
  memory.release(entries_, table_bytes());
  entries_ = nullptr;
  count_ = capacity_ = 0;
}

}  // namespace tessera::ramfs
