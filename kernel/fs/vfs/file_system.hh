#pragma once
// What a filesystem implements to be mounted in the VFS. Nodes are named by the
// filesystem's own 64-bit inode numbers rather than by heap objects, so a lookup or a
// stat allocates nothing; a filesystem keeps whatever per-inode state it needs, keyed by
// number. Paths, "." / "..", symlink following, mounts and descriptors are the VFS's job:
// a filesystem only answers questions about one directory or one inode at a time.
// Inode numbers are the ones Stat::inode and readdir show, so they are never 0.
//
// Every call has a default that refuses (ENOSYS for queries, EROFS for changes), so a
// read-only filesystem implements the queries and nothing else, and a writable one (the
// ramfs module) adds the changes below. There are deliberately no pure virtual functions:
// they would make the kernel depend on the C++ runtime's __cxa_pure_virtual.
// Every virtual function is defined here, in the header, so the class has no key function:
// its vtable (and, in host code compiled with RTTI, its typeinfo) is emitted wherever it is
// needed, and host tests can derive fake filesystems from it.
#include <stddef.h>
#include <stdint.h>
#include <tessera/ktl/span.hh>
#include <tessera/ktl/string_view.hh>
#include <tessera/result.hh>
#include <tessera/vfs.hh>

namespace tessera {

class FileSystem {
 public:
  // An inode and its file_type bits: what path resolution needs to know about a name.
  struct Node {
    uint64_t inode = 0;
    uint32_t type = 0;  // vfs::file_type::k*
  };

  FileSystem(const FileSystem&) = delete;
  FileSystem& operator=(const FileSystem&) = delete;

  virtual const char* type_name() const { return "unknown"; }
  virtual Node root() const { return {1, vfs::file_type::kDirectory}; }
  virtual bool is_read_only() const { return true; }

  // The entry `name` (never "." or "..", never containing '/') of `directory`;
  // ENOENT when absent.
  virtual Result<Node> lookup(uint64_t /*directory*/, ktl::StringView /*name*/) {
    return Error::with_message(kENOSYS, "%s: lookup not supported", type_name());
  }
  // Everything but Stat::device, which the VFS fills in.
  virtual Result<vfs::Stat> stat(uint64_t /*inode*/) {
    return Error::with_message(kENOSYS, "%s: stat not supported", type_name());
  }
  // Up to buffer.size() bytes from `offset`; 0 at or past the end.
  virtual Result<size_t> read(uint64_t /*inode*/, uint64_t /*offset*/, ktl::MutableBytes /*buffer*/) {
    return Error::with_message(kENOSYS, "%s: read not supported", type_name());
  }
  // The `index`-th entry of `directory` (without "." and ".."); false past the end.
  virtual Result<bool> read_directory(uint64_t /*directory*/, uint64_t /*index*/,
                                      vfs::DirectoryEntry& /*entry*/) {
    return Error::with_message(kENOSYS, "%s: readdir not supported", type_name());
  }
  // Copies up to buffer.size() bytes of the symlink's target; returns the bytes copied.
  virtual Result<size_t> read_link(uint64_t /*inode*/, ktl::MutableBytes /*buffer*/) {
    return Error::with_message(kENOSYS, "%s: readlink not supported", type_name());
  }
  // The file's bytes in memory, for zero-copy reads. ENOTSUP unless the filesystem has them.
  virtual Result<ktl::Bytes> map(uint64_t /*inode*/) {
    return Error::with_message(kENOTSUP, "%s: files cannot be mapped", type_name());
  }
  // Checks the file's data against a stored checksum. ENOTSUP unless the filesystem has one.
  virtual Result<void> verify(uint64_t /*inode*/) {
    return Error::with_message(kENOTSUP, "%s: files have no checksums", type_name());
  }

  // A file description opens or closes the inode. A writable filesystem counts these to
  // keep an unlinked but open inode alive; a read-only one may check data at open.
  virtual Result<void> open_inode(uint64_t /*inode*/, int /*flags*/) { return {}; }
  virtual void close_inode(uint64_t /*inode*/) {}

  // Changes, for writable filesystems. The VFS only calls them when !is_read_only(), and
  // has already checked what can be checked from the tree alone: names are never "." or
  // ".." and contain no '/', a name to create does not exist yet, a name to remove has the
  // right type and is not a mount point. What only the filesystem knows (emptiness, space,
  // whether a directory was removed while still open) is the filesystem's to refuse.
  //
  // A new entry `name` in `directory`; `mode`'s type bits say what: kRegular (open with
  // O_CREAT) or kDirectory (mkdir), the rest are permission bits.
  virtual Result<Node> create(uint64_t /*directory*/, ktl::StringView /*name*/, uint32_t /*mode*/) {
    return read_only_error();
  }
  virtual Result<Node> create_symlink(uint64_t /*directory*/, ktl::StringView /*name*/, ktl::StringView /*target*/) {
    return read_only_error();
  }
  virtual Result<size_t> write(uint64_t /*inode*/, uint64_t /*offset*/, ktl::Bytes /*data*/) {
    return read_only_error();
  }
  virtual Result<void> truncate(uint64_t /*inode*/, uint64_t /*size*/) { return read_only_error(); }
  // Removes the non-directory entry `name`. The inode lives on while it is open.
  virtual Result<void> unlink(uint64_t /*directory*/, ktl::StringView /*name*/) { return read_only_error(); }
  // Removes the directory entry `name`; ENOTEMPTY unless the directory is empty.
  virtual Result<void> remove_directory(uint64_t /*directory*/, ktl::StringView /*name*/) {
    return read_only_error();
  }
  // Moves `from_name` to `to_name`, replacing what is there (an empty directory when moving a
  // directory, ENOTEMPTY otherwise). The VFS has checked that both are on this filesystem,
  // that source and target have compatible types, are different nodes, and that a directory
  // is not being moved into its own subtree.
  virtual Result<void> rename(uint64_t /*from_directory*/, ktl::StringView /*from_name*/,
                              uint64_t /*to_directory*/, ktl::StringView /*to_name*/) {
    return read_only_error();
  }

 protected:
  constexpr FileSystem() = default;
  Error read_only_error() const {
    return Error::with_message(kEROFS, "%s: read-only filesystem", type_name());
  }
  // Not virtual: the VFS never destroys a filesystem; whoever created it does, by its type.
  ~FileSystem() = default;
};

}  // namespace tessera
