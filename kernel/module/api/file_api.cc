#include "module/api/file_api.hh"

#include <tessera/errno.hh>
#include <tessera/module_api.h>
#include <tessera/vfs.hh>

#include "module/api/api_error.hh"

namespace tessera::api {
namespace {

// The C structs mirror the kernel's field for field; a change on either side must show.
static_assert(sizeof(tessera_stat) == sizeof(vfs::Stat));
static_assert(sizeof(tessera_dirent::name) == vfs::kNameMax + 1);

void copy_stat(const vfs::Stat& from, tessera_stat* to) {
  to->device = from.device;
  to->inode = from.inode;
  to->mode = from.mode;
  to->link_count = from.link_count;
  to->uid = from.uid;
  to->gid = from.gid;
  to->size = from.size;
  to->block_size = from.block_size;
  to->blocks = from.blocks;
  to->access_time_ns = from.access_time_ns;
  to->modify_time_ns = from.modify_time_ns;
  to->change_time_ns = from.change_time_ns;
}

int report_stat(const Result<vfs::Stat>& result, tessera_stat* out) {
  if (result.is_error()) return negative_errno(result.error());
  copy_stat(result.value(), out);
  return 0;
}

}  // namespace

int vfs_open(const char* path, int flags) {
  if (!path) return -kEFAULT;
  auto result = vfs::open(path, flags);
  return result.is_ok() ? result.value() : negative_errno(result.error());
}

int vfs_close(int fd) {
  auto result = vfs::close(fd);
  return result.is_ok() ? 0 : negative_errno(result.error());
}

int64_t vfs_read(int fd, void* buffer, size_t size) {
  if (!buffer && size) return -kEFAULT;
  auto result = vfs::read(fd, ktl::MutableBytes(static_cast<uint8_t*>(buffer), size));
  return result.is_ok() ? static_cast<int64_t>(result.value()) : negative_errno(result.error());
}

int64_t vfs_pread(int fd, void* buffer, size_t size, uint64_t offset) {
  if (!buffer && size) return -kEFAULT;
  auto result = vfs::pread(fd, ktl::MutableBytes(static_cast<uint8_t*>(buffer), size), offset);
  return result.is_ok() ? static_cast<int64_t>(result.value()) : negative_errno(result.error());
}

int64_t vfs_write(int fd, const void* data, size_t size) {
  if (!data && size) return -kEFAULT;
  auto result = vfs::write(fd, ktl::Bytes(static_cast<const uint8_t*>(data), size));
  return result.is_ok() ? static_cast<int64_t>(result.value()) : negative_errno(result.error());
}

int64_t vfs_lseek(int fd, int64_t offset, int whence) {
  if (whence < TESSERA_SEEK_SET || whence > TESSERA_SEEK_END) return -kEINVAL;
  auto result = vfs::lseek(fd, offset, static_cast<vfs::Whence>(whence));
  return result.is_ok() ? static_cast<int64_t>(result.value()) : negative_errno(result.error());
}

int vfs_stat(const char* path, tessera_stat* out) {
  if (!path || !out) return -kEFAULT;
  return report_stat(vfs::stat(path), out);
}

int vfs_lstat(const char* path, tessera_stat* out) {
  if (!path || !out) return -kEFAULT;
  return report_stat(vfs::lstat(path), out);
}

int vfs_fstat(int fd, tessera_stat* out) {
  if (!out) return -kEFAULT;
  return report_stat(vfs::fstat(fd), out);
}

int vfs_readdir(int fd, tessera_dirent* out) {
  if (!out) return -kEFAULT;
  vfs::DirectoryEntry entry;
  auto result = vfs::readdir(fd, entry);
  if (result.is_error()) return negative_errno(result.error());
  if (!result.value()) return 0;
  out->inode = entry.inode;
  out->type = entry.type;
  out->name_length = entry.name_length;
  __builtin_memcpy(out->name, entry.name, sizeof out->name);
  return 1;
}

int64_t vfs_readlink(const char* path, char* buffer, size_t size) {
  if (!path || (!buffer && size)) return -kEFAULT;
  auto result = vfs::readlink(path, ktl::MutableBytes(reinterpret_cast<uint8_t*>(buffer), size));
  return result.is_ok() ? static_cast<int64_t>(result.value()) : negative_errno(result.error());
}

}  // namespace tessera::api
