#include "module/api/vfs_api.hh"

#include <tessera/errno.hh>
#include <tessera/module_api.h>
#include <tessera/vfs.hh>

#include "fs/vfs/filesystem_types.hh"
#include "fs/vfs/vfs.hh"
#include "libc/errno.hh"
#include "log/log.hh"
#include "module/api/api_error.hh"
#include "module/api/module_filesystems.hh"

namespace tessera::api {
namespace {

int report(const Result<void>& result) { return result.is_ok() ? 0 : negative_errno(result.error()); }

// The POSIX way: -1 and errno; the message (type, path and why) goes to the debug log,
// as for sockets. A type no module provides has logged its error line already.
int report_posix(const Result<void>& result) {
  if (result.is_ok()) return 0;
  log::debug("%s", result.error().message());
  libc::set_errno(result.error().code());
  return -1;
}

int fail_posix(int code) {
  libc::set_errno(code);
  return -1;
}

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

int register_filesystem(const char* name, const tessera_filesystem_type* type) {
  if (!name || !type) return -kEFAULT;
  return report(FileSystemTypes::add(name, *type));
}

int unregister_filesystem(const char* name) { return name ? report(FileSystemTypes::remove(name)) : -kEFAULT; }

int posix_mount(const char* source, const char* target, const char* filesystemtype, unsigned long mountflags,
                const void* data) {
  if (!target || !filesystemtype) return fail_posix(kEFAULT);
  return report_posix(mount_filesystem(kernel_vfs(), source ? source : "none", target, filesystemtype, mountflags, data));
}

int posix_umount(const char* target) {
  return target ? report_posix(unmount_filesystem(kernel_vfs(), target)) : fail_posix(kEFAULT);
}

}  // namespace tessera::api
