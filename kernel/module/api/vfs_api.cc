#include "module/api/vfs_api.hh"

#include <tessera/errno.hh>
#include <tessera/module_api.h>
#include <tessera/vfs.hh>

#include "fs/vfs/vfs.hh"
#include "module/api/api_error.hh"
#include "module/api/module_filesystems.hh"

namespace tessera::api {
namespace {

int report(const Result<void>& result) { return result.is_ok() ? 0 : negative_errno(result.error()); }

}  // namespace

int vfs_mkdir(const char* path, uint32_t mode) { return path ? report(vfs::mkdir(path, mode)) : -kEFAULT; }
int vfs_rmdir(const char* path) { return path ? report(vfs::rmdir(path)) : -kEFAULT; }
int vfs_unlink(const char* path) { return path ? report(vfs::unlink(path)) : -kEFAULT; }

int vfs_rename(const char* from, const char* to) {
  if (!from || !to) return -kEFAULT;
  return report(vfs::rename(from, to));
}

int vfs_symlink(const char* target, const char* path) {
  if (!target || !path) return -kEFAULT;
  return report(vfs::symlink(target, path));
}

int vfs_ftruncate(int fd, uint64_t size) { return report(vfs::ftruncate(fd, size)); }

int mount(const char* path, const tessera_filesystem_ops* ops, void* filesystem) {
  if (!path || !ops) return -kEFAULT;
  return report(mount_module_filesystem(kernel_vfs(), path, *ops, filesystem));
}

int unmount(const char* path) { return path ? report(unmount_module_filesystem(kernel_vfs(), path)) : -kEFAULT; }

}  // namespace tessera::api
