#pragma once
// The kernel's file API: POSIX-like calls on the kernel's one virtual filesystem
// (kernel/fs/vfs/vfs.hh), with Linux's flag values and errno codes so that the C library
// can later map them one to one. Errors are values: ENOENT, ENOTDIR, ELOOP... come back
// as an Error whose message names the path or descriptor.
//
// Paths: "/" separated; a relative path starts at the current directory, which is "/"
// (there is no chdir yet). "." and ".." are understood (".." at "/" stays at "/"), symlinks
// are followed up to kMaxSymlinkHops times (ELOOP beyond), a resolved path may be at most
// kMaxPathDepth components deep (ENAMETOOLONG beyond), a trailing slash requires a
// directory (ENOTDIR otherwise).
#include <stddef.h>
#include <stdint.h>
#include <tessera/ktl/span.hh>
#include <tessera/ktl/string_view.hh>
#include <tessera/result.hh>

namespace tessera::vfs {

inline constexpr size_t kPathMax = 4096;  // bytes including a NUL, as Linux's PATH_MAX
inline constexpr size_t kNameMax = 255;   // bytes of one component, as Linux's NAME_MAX
inline constexpr uint32_t kMaxSymlinkHops = 40;
inline constexpr uint32_t kMaxPathDepth = 64;
// Descriptors 0, 1 and 2 stay free for the console streams the C library will attach.
inline constexpr int kFirstFileDescriptor = 3;
inline constexpr int kMaxFileDescriptors = 1024;

// open() flags, Linux x86-64 values.
namespace open_flag {
inline constexpr int kReadOnly = 00;
inline constexpr int kWriteOnly = 01;
inline constexpr int kReadWrite = 02;
inline constexpr int kAccessMask = 03;
inline constexpr int kCreate = 0100;
inline constexpr int kExclusive = 0200;
inline constexpr int kTruncate = 01000;
inline constexpr int kAppend = 02000;
inline constexpr int kNonBlocking = 04000;
inline constexpr int kDirectory = 0200000;
inline constexpr int kNoFollow = 0400000;
inline constexpr int kCloseOnExec = 02000000;
}  // namespace open_flag

enum class Whence : int { kSet = 0, kCurrent = 1, kEnd = 2 };

// st_mode type bits, as Linux's S_IF* values.
namespace file_type {
inline constexpr uint32_t kMask = 0170000;
inline constexpr uint32_t kDirectory = 0040000;
inline constexpr uint32_t kRegular = 0100000;
inline constexpr uint32_t kSymlink = 0120000;
inline constexpr uint32_t kSocket = 0140000;
}  // namespace file_type

// poll() event bits, Linux values.
namespace poll_event {
inline constexpr int kIn = 0x001;
inline constexpr int kOut = 0x004;
inline constexpr int kError = 0x008;
inline constexpr int kHangUp = 0x010;
inline constexpr int kInvalid = 0x020;
inline constexpr int kReadNormal = 0x040;
inline constexpr int kWriteNormal = 0x100;
inline constexpr int kAlwaysReady = kIn | kOut | kReadNormal | kWriteNormal;
}  // namespace poll_event

struct Stat {
  uint64_t device = 0;        // which mount, numbered from 1
  uint64_t inode = 0;         // never 0
  uint32_t mode = 0;          // file_type bits | permission bits
  uint32_t link_count = 0;    // 1 for directories when unknown, as btrfs reports
  uint32_t uid = 0;
  uint32_t gid = 0;
  int64_t size = 0;           // regular: bytes; symlink: target length
  int64_t block_size = 0;
  int64_t blocks = 0;         // 512-byte units
  int64_t access_time_ns = 0;
  int64_t modify_time_ns = 0;
  int64_t change_time_ns = 0;

  bool is_directory() const { return (mode & file_type::kMask) == file_type::kDirectory; }
  bool is_regular() const { return (mode & file_type::kMask) == file_type::kRegular; }
  bool is_symlink() const { return (mode & file_type::kMask) == file_type::kSymlink; }
};

// d_type values, as Linux's DT_*.
namespace entry_type {
inline constexpr uint8_t kUnknown = 0;
inline constexpr uint8_t kDirectory = 4;
inline constexpr uint8_t kRegular = 8;
inline constexpr uint8_t kSymlink = 10;
uint8_t from_mode(uint32_t mode);
}  // namespace entry_type

struct DirectoryEntry {
  uint64_t inode = 0;
  uint8_t type = entry_type::kUnknown;
  uint16_t name_length = 0;
  char name[kNameMax + 1] = {};  // NUL-terminated

  ktl::StringView name_view() const { return {name, name_length}; }
};

// The calls below act on the kernel's VFS, where the boot image is mounted at "/".
Result<int> open(ktl::StringView path, int flags);
Result<void> close(int fd);
Result<size_t> read(int fd, ktl::MutableBytes buffer);
Result<size_t> pread(int fd, ktl::MutableBytes buffer, uint64_t offset);
Result<size_t> write(int fd, ktl::Bytes data);
Result<uint64_t> lseek(int fd, int64_t offset, Whence whence);
Result<Stat> fstat(int fd);
Result<Stat> stat(ktl::StringView path);
// Like stat, but a final symlink is described rather than followed.
Result<Stat> lstat(ktl::StringView path);
// The next entry of an open directory, "." and ".." first; false at the end.
Result<bool> readdir(int fd, DirectoryEntry& entry);
// Like readlink(2): the target of the symlink at `path` (not followed), truncated to the
// buffer, no NUL added; returns the bytes copied. EINVAL when `path` is not a symlink.
Result<size_t> readlink(ktl::StringView path, ktl::MutableBytes buffer);
// Zero copy: the whole contents of an open regular file, where its filesystem holds them
// in memory (the boot image does); ENOTSUP otherwise. Valid until the file is closed.
Result<ktl::Bytes> map(int fd);
// Checks an open file's data against its stored checksum (EBADMSG on a mismatch);
// ENOTSUP on filesystems without data checksums.
Result<void> verify(int fd);
// Sets the size of a regular file open for writing (EINVAL otherwise); growing fills with zeros.
Result<void> ftruncate(int fd, uint64_t size);

// Changes to the tree, like their POSIX namesakes, on writable filesystems (EROFS on
// others). None follows a final symlink: they act on the link itself. The last component
// must be a name: a path ending in "." or ".." is refused (EINVAL; EBUSY for a root), as
// is removing or renaming a mount point (EBUSY).
// mkdir: EEXIST when the name exists (even as a dangling symlink). `mode`: permission bits.
Result<void> mkdir(ktl::StringView path, uint32_t mode);
// rmdir: ENOTDIR for a non-directory, ENOTEMPTY unless empty.
Result<void> rmdir(ktl::StringView path);
// unlink: EISDIR for a directory. An open file keeps its data until the last close.
Result<void> unlink(ktl::StringView path);
// rename: replaces the target if it exists (a directory only by a directory, and only an
// empty one: ENOTEMPTY; EISDIR / ENOTDIR on a type mismatch); EXDEV across mounts; EINVAL
// when a directory would move into its own subtree. Renaming a name onto itself does nothing.
Result<void> rename(ktl::StringView from, ktl::StringView to);
// symlink: creates `path` pointing at `target` (not checked; ENOENT when empty).
Result<void> symlink(ktl::StringView target, ktl::StringView path);

}  // namespace tessera::vfs
