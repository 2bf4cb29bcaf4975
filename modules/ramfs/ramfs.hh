#pragma once
// ramfs: a writable filesystem in memory, the first filesystem that is a module. Files,
// directories and symlinks; file data grows on the kernel heap; an optional capacity
// (like tmpfs's size=) bounds everything it holds. The VFS drives it through the module
// API's operation table (ramfs_operations.hh); this class is that table's implementation,
// written against nothing but an allocator and a clock so that the same sources run in
// the module and, linked directly, in unit tests.
//
// Conventions: calls return 0 (or a count) or a negative errno, like the module API,
// and change nothing when they fail. Inode numbers are the VFS's: the root is 1.
// Not thread-safe: the kernel calls filesystems from one guest CPU without yielding.
// Access times are not updated on reads (as with noatime).
#include <stddef.h>
#include <stdint.h>
#include <tessera/ktl/string_view.hh>
#include <tessera/vfs.hh>
#include "inode_table.hh"
#include "ram_inode.hh"
#include "ram_memory.hh"

namespace tessera::ramfs {

class RamFs {
 public:
  struct Environment {
    RamMemory::Allocator allocator;
    int64_t (*now_ns)(void* context) = nullptr;  // null: times stay 0
    void* clock_context = nullptr;
  };
  struct Options {
    uint64_t capacity_bytes = 0;  // 0: only the heap limits it
    uint32_t root_mode = 01777;   // permission bits of "/" (sticky, world-writable, as /tmp)
  };
  struct Node {
    uint64_t inode = 0;
    uint32_t type = 0;  // vfs::file_type::k*
  };

  // 0 and *out, or -ENOMEM/-ENOSPC. Free with destroy().
  static int try_create(const Environment& environment, Options options, RamFs** out);
  // Frees every inode, open or not: only once nothing can reach the filesystem any more.
  static void destroy(RamFs* filesystem);

  static constexpr uint64_t kRootInode = 1;

  int lookup(uint64_t directory, ktl::StringView name, Node& out);
  int stat(uint64_t inode, vfs::Stat& out);
  int64_t read(uint64_t inode, uint64_t offset, void* buffer, size_t size);
  // 1 with `out` filled, 0 past the end.
  int read_directory(uint64_t directory, uint64_t index, vfs::DirectoryEntry& out);
  int64_t read_link(uint64_t inode, char* buffer, size_t size);
  int open_inode(uint64_t inode);
  void close_inode(uint64_t inode);

  int create(uint64_t directory, ktl::StringView name, uint32_t mode, Node& out);
  int create_symlink(uint64_t directory, ktl::StringView name, ktl::StringView target, Node& out);
  int64_t write(uint64_t inode, uint64_t offset, const void* data, size_t size);
  int truncate(uint64_t inode, uint64_t size);
  int unlink(uint64_t directory, ktl::StringView name);
  int remove_directory(uint64_t directory, ktl::StringView name);
  int rename(uint64_t from_directory, ktl::StringView from_name, uint64_t to_directory, ktl::StringView to_name);

  // Bytes held (data, names, tables, inodes) against the capacity.
  uint64_t bytes_used() const { return memory_.used(); }
  uint64_t capacity() const { return memory_.capacity(); }
  uint64_t inode_count() const { return inodes_.count(); }
  // For tests: walks everything and returns what is wrong (null when all is well): entries
  // sorted and unique, link and subdirectory counts, every inode reachable or open, and
  // the memory accounting equal to the sum of what the inodes hold.
  const char* find_inconsistency() const;

 private:
  RamFs(const Environment& environment, Options options)
      : environment_(environment), memory_(environment.allocator, options.capacity_bytes) {}

  int64_t now() const;
  RamInode* find(uint64_t number) const { return inodes_.find(number); }
  // The live directory `number`: ENOENT when unknown or removed, ENOTDIR when not a directory.
  int live_directory(uint64_t number, RamInode*& out) const;
  // A new inode with a number, or -errno.
  int new_inode(uint32_t mode, RamInode*& out);
  // A copy of `name` on the heap, or -errno.
  int copy_name(ktl::StringView name, char*& out);
  // Drops one name of `inode`; frees it if nothing else holds it.
  void drop_link(RamInode* inode);
  void free_inode(RamInode* inode);
  void touch(RamInode* inode, bool modified);
  // The entry `name` of `directory`, ENOENT when absent.
  int find_entry(RamInode* directory, ktl::StringView name, uint32_t& index) const;
  int add_entry(RamInode* directory, ktl::StringView name, uint32_t mode, ktl::StringView target, Node& out);
  int remove_entry(uint64_t directory, ktl::StringView name, bool want_directory);
  bool reachable_count(const RamInode* directory, uint64_t& count, uint32_t depth) const;

  Environment environment_;
  RamMemory memory_;
  InodeTable inodes_;
};

}  // namespace tessera::ramfs
