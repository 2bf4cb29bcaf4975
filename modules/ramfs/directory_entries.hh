#pragma once
// A directory's entries: an array sorted by name (bytewise), so a lookup is a binary
// search and readdir's index-th entry is the index-th name. Inserting and removing move
// the tail, which is cheap for the directory sizes a unikernel's scratch space sees.
//
// readdir walks by index: entries added or removed while a directory is being read may
// be seen twice or not at all, as POSIX allows.
#include <stddef.h>
#include <stdint.h>
#include <tessera/ktl/string_view.hh>
#include "ram_memory.hh"

namespace tessera::ramfs {

struct RamInode;

struct DirectoryEntry {
  char* name;            // `length` bytes, not NUL-terminated; owned by the entry
  uint16_t length;
  RamInode* inode;

  ktl::StringView name_view() const { return {name, length}; }
};

class DirectoryEntries {
 public:
  uint32_t count() const { return count_; }
  DirectoryEntry& at(uint32_t index) { return entries_[index]; }
  const DirectoryEntry& at(uint32_t index) const { return entries_[index]; }

  // Where `name` is (true) or would be inserted (false).
  bool find(ktl::StringView name, uint32_t& index) const;
  // Makes room for one more entry, so that the next insert cannot fail; 0 or -errno.
  int reserve_one(RamMemory& memory);
  // Requires a reservation and `index` from a failed find().
  void insert(uint32_t index, const DirectoryEntry& entry);
  // Removes the entry without freeing its name.
  void remove(uint32_t index);
  // An empty directory holds no table: a scratch directory that filled and emptied
  // gives its memory back.
  void release_if_empty(RamMemory& memory);
  // Frees the table (the entries must be gone, or their names freed by the caller).
  void release(RamMemory& memory);

  size_t table_bytes() const { return size_t(capacity_) * sizeof(DirectoryEntry); }

 private:
  DirectoryEntry* entries_ = nullptr;
  uint32_t count_ = 0;
  uint32_t capacity_ = 0;
};

}  // namespace tessera::ramfs
