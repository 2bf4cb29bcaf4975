// <tessera/vfs.hh>: the calls on the kernel's VFS, and small helpers of the public header.
#include <tessera/vfs.hh>

#include "fs/vfs/vfs.hh"

namespace tessera::vfs {

uint8_t entry_type::from_mode(uint32_t mode) {
  switch (mode & file_type::kMask) {
    case file_type::kDirectory: return kDirectory;
    case file_type::kRegular: return kRegular;
    case file_type::kSymlink: return kSymlink;
    default: return kUnknown;
  }
}

Result<int> open(ktl::StringView path, int flags) { return kernel_vfs().open(path, flags); }
Result<void> close(int fd) { return kernel_vfs().close(fd); }
Result<size_t> read(int fd, ktl::MutableBytes buffer) { return kernel_vfs().read(fd, buffer); }
Result<size_t> pread(int fd, ktl::MutableBytes buffer, uint64_t offset) { return kernel_vfs().pread(fd, buffer, offset); }
Result<size_t> write(int fd, ktl::Bytes data) { return kernel_vfs().write(fd, data); }
Result<uint64_t> lseek(int fd, int64_t offset, Whence whence) { return kernel_vfs().lseek(fd, offset, whence); }
Result<Stat> fstat(int fd) { return kernel_vfs().fstat(fd); }
Result<Stat> stat(ktl::StringView path) { return kernel_vfs().stat(path); }
Result<Stat> lstat(ktl::StringView path) { return kernel_vfs().lstat(path); }
Result<bool> readdir(int fd, DirectoryEntry& entry) { return kernel_vfs().readdir(fd, entry); }
Result<size_t> readlink(ktl::StringView path, ktl::MutableBytes buffer) { return kernel_vfs().readlink(path, buffer); }
Result<ktl::Bytes> map(int fd) { return kernel_vfs().map(fd); }
Result<void> verify(int fd) { return kernel_vfs().verify(fd); }
Result<void> ftruncate(int fd, uint64_t size) { return kernel_vfs().ftruncate(fd, size); }
Result<void> mkdir(ktl::StringView path, uint32_t mode) { return kernel_vfs().mkdir(path, mode); }
Result<void> rmdir(ktl::StringView path) { return kernel_vfs().rmdir(path); }
Result<void> unlink(ktl::StringView path) { return kernel_vfs().unlink(path); }
Result<void> rename(ktl::StringView from, ktl::StringView to) { return kernel_vfs().rename(from, to); }
Result<void> symlink(ktl::StringView target, ktl::StringView path) { return kernel_vfs().symlink(target, path); }

}  // namespace tessera::vfs
