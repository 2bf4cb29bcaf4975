#pragma once
// A node of the VFS tree: which mount, which filesystem, which inode, and its type. A
// small value, copied freely: path resolution keeps a stack of them and never allocates.
#include <stdint.h>
#include <tessera/vfs.hh>
#include "fs/vfs/file_system.hh"

namespace tessera {

struct Vnode {
  FileSystem* fs = nullptr;
  uint64_t inode = 0;
  uint32_t type = 0;   // vfs::file_type::k*
  uint32_t mount = 0;  // index in the mount table; Stat::device is mount + 1

  bool is_directory() const { return type == vfs::file_type::kDirectory; }
  bool is_symlink() const { return type == vfs::file_type::kSymlink; }
  bool is_regular() const { return type == vfs::file_type::kRegular; }
  bool same_node(const Vnode& other) const { return fs == other.fs && inode == other.inode; }
};

}  // namespace tessera
