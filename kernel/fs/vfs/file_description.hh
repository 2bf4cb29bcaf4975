#pragma once
// An open file: the node, its access mode and the current offset (for a directory, the
// index of the next entry); or a stream (a socket), which has no node. Reference counted, so that a descriptor closed while another
// thread is inside a call on it (a filesystem that blocks, later) stays valid until that
// call returns; the last release tells the filesystem the inode is closed.
#include <stdint.h>
#include <tessera/result.hh>
#include <tessera/vfs.hh>
#include "fs/vfs/stream.hh"
#include "fs/vfs/vnode.hh"

namespace tessera {

class FileDescription {
 public:
  // Holds one reference.
  static Result<FileDescription*> try_create(const Vnode& node, const Vnode& parent, int flags);
  // A description of `stream`, which it closes with the last reference.
  static Result<FileDescription*> try_create(Stream& stream, int flags);

  void add_reference() { ++references_; }
  // Destroys the description when this was the last reference.
  void release();

  const Vnode& node() const { return node_; }
  // The directory the node was found in (itself for a root): what ".." lists as.
  const Vnode& parent() const { return parent_; }
  // Null for files.
  Stream* stream() const { return stream_; }
  int flags() const { return flags_; }
  // fcntl(F_SETFL): only the status flags POSIX lets it change (O_APPEND, O_NONBLOCK).
  void set_status_flags(int flags);
  bool can_read() const { return (flags_ & vfs::open_flag::kAccessMask) != vfs::open_flag::kWriteOnly; }
  bool can_write() const { return (flags_ & vfs::open_flag::kAccessMask) != vfs::open_flag::kReadOnly; }
  uint64_t offset() const { return offset_; }
  void set_offset(uint64_t offset) { offset_ = offset; }

 private:
  template <typename T, typename... Args> friend Result<T*> try_make(Args&&... args);
  FileDescription(const Vnode& node, const Vnode& parent, int flags) : node_(node), parent_(parent), flags_(flags) {}
  FileDescription(Stream& stream, int flags) : stream_(&stream), flags_(flags) {}

  Vnode node_;
  Vnode parent_;
  Stream* stream_ = nullptr;
  int flags_;
  uint32_t references_ = 1;
  uint64_t offset_ = 0;
};

}  // namespace tessera
