#include "fs/vfs/file_description.hh"

#include <tessera/panic.hh>
#include "mm/heap.hh"

namespace tessera {

Result<FileDescription*> FileDescription::try_create(const Vnode& node, const Vnode& parent, int flags) {
  return try_make<FileDescription>(node, parent, flags);
}

Result<FileDescription*> FileDescription::try_create(Stream& stream, int flags) {
  return try_make<FileDescription>(stream, flags);
}

void FileDescription::set_status_flags(int flags) {
  constexpr int kChangeable = vfs::open_flag::kAppend | vfs::open_flag::kNonBlocking;
  flags_ = (flags_ & ~kChangeable) | (flags & kChangeable);
}

void FileDescription::release() {
  if (references_ == 0) panic("vfs: file description %p released more often than referenced", this);
  if (--references_ > 0) return;
  if (stream_) stream_->close();
  else node_.fs->close_inode(node_.inode);
  destroy(this);
}

}  // namespace tessera
