#include "fs/vfs/file_description.hh"

#include <tessera/panic.hh>
#include "mm/heap.hh"

namespace tessera {

Result<FileDescription*> FileDescription::try_create(const Vnode& node, const Vnode& parent, int flags) {
  return try_make<FileDescription>(node, parent, flags);
}

void FileDescription::release() {
  if (references_ == 0) panic("vfs: file description %p released more often than referenced", this);
  if (--references_ > 0) return;
  node_.fs->close_inode(node_.inode);
  destroy(this);
}

}  // namespace tessera
