#pragma once
// The module API's file calls (tessera_vfs_* in tessera/module_api.h) over the kernel's
// VFS (tessera/vfs.hh): Results become "value or negative errno", and the error's
// message goes to the debug log so that it is not lost on the way to C.
#include <stddef.h>
#include <stdint.h>

struct tessera_stat;
struct tessera_dirent;

namespace tessera::api {

int vfs_open(const char* path, int flags);
int vfs_close(int fd);
int64_t vfs_read(int fd, void* buffer, size_t size);
int64_t vfs_pread(int fd, void* buffer, size_t size, uint64_t offset);
int64_t vfs_write(int fd, const void* data, size_t size);
int64_t vfs_lseek(int fd, int64_t offset, int whence);
int vfs_stat(const char* path, tessera_stat* out);
int vfs_lstat(const char* path, tessera_stat* out);
int vfs_fstat(int fd, tessera_stat* out);
int vfs_readdir(int fd, tessera_dirent* out);
int64_t vfs_readlink(const char* path, char* buffer, size_t size);

}  // namespace tessera::api
