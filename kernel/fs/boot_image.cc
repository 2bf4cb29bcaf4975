#include "fs/boot_image.hh"

#include "fs/rofs/rofs_filesystem.hh"
#include "fs/vfs/vfs.hh"
#include "log/log.hh"
#include "mm/heap.hh"

namespace tessera {

Result<void> mount_boot_image(ktl::Bytes image) {
  kernel_vfs().reset();
  if (image.empty()) {
    log::info("rofs: no boot image, nothing mounted at /");
    return {};
  }
  RofsFileSystem* fs = TRY(RofsFileSystem::try_create(image, {}));
  if (auto mounted = kernel_vfs().mount("/", *fs); mounted.is_error()) {
    destroy(fs);
    return mounted.release_error();
  }
  const rofs::Superblock& superblock = fs->image().superblock();
  log::info("rofs: mounted / (%u inodes, %lu KiB)", superblock.inode_count, (superblock.image_size + 1023) / 1024);
  return {};
}

}  // namespace tessera
