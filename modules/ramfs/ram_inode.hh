#pragma once
// One file, directory or symlink. It lives while a directory entry names it or a
// descriptor has it open: unlinking an open file keeps its data until the last close.
#include <stdint.h>
#include <tessera/vfs.hh>
#include "directory_entries.hh"
#include "file_data.hh"

namespace tessera::ramfs {

struct RamInode {
  uint64_t number = 0;        // the VFS's inode number, never 0
  uint32_t mode = 0;          // vfs::file_type bits | permission bits
  uint32_t link_count = 0;    // entries naming it: 1, or 0 once removed
  uint32_t open_count = 0;    // descriptors that have it open
  uint32_t subdirectories = 0;
  int64_t access_time_ns = 0;
  int64_t modify_time_ns = 0;
  int64_t change_time_ns = 0;
  FileData data;              // regular file bytes, symlink target
  DirectoryEntries entries;   // directories only

  uint32_t type() const { return mode & vfs::file_type::kMask; }
  bool is_directory() const { return type() == vfs::file_type::kDirectory; }
  bool is_regular() const { return type() == vfs::file_type::kRegular; }
  bool is_symlink() const { return type() == vfs::file_type::kSymlink; }
  bool in_use() const { return link_count > 0 || open_count > 0; }
};

}  // namespace tessera::ramfs
