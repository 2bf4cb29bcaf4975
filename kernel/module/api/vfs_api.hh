#pragma once
// The module API's calls that change the tree and mount filesystems (the "VFS writes and
// mounts" block of tessera/module_api.h), as C++ functions kernel_exports.cc publishes
// under their C names. Results become 0 or a negative errno; messages go to the debug log.
#include <stdint.h>

struct tessera_filesystem_ops;
struct tessera_filesystem_type;

namespace tessera::api {

int vfs_mkdir(const char* path, uint32_t mode);
int vfs_rmdir(const char* path);
int vfs_unlink(const char* path);
int vfs_rename(const char* from, const char* to);
int vfs_symlink(const char* target, const char* path);
int vfs_ftruncate(int fd, uint64_t size);
int mount(const char* path, const tessera_filesystem_ops* ops, void* filesystem);
int unmount(const char* path);
int register_filesystem(const char* name, const tessera_filesystem_type* type);
int unregister_filesystem(const char* name);
// mount(2) and umount(2): -1 with errno set, as the POSIX calls of the module API do.
int posix_mount(const char* source, const char* target, const char* filesystemtype, unsigned long mountflags,
                const void* data);
int posix_umount(const char* target);

}  // namespace tessera::api
