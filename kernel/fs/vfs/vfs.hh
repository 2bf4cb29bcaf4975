#pragma once
// The virtual filesystem: a mount table, path resolution and a descriptor table over
// filesystems that implement FileSystem. The calls mirror <tessera/vfs.hh>, which acts
// on the kernel's instance, kernel_vfs(); tests make their own instances.
//
// Guest threads run cooperatively on one CPU and no call here yields, so the tables need
// no lock; descriptions are reference counted for the day a filesystem call may block.
#include <stdint.h>
#include <tessera/ktl/span.hh>
#include <tessera/ktl/string_view.hh>
#include <tessera/result.hh>
#include <tessera/vfs.hh>
#include "fs/vfs/file_descriptor_table.hh"
#include "fs/vfs/file_system.hh"
#include "fs/vfs/mount_table.hh"
#include "fs/vfs/path_resolver.hh"

namespace tessera {

class Vfs {
 public:
  constexpr Vfs() = default;
  Vfs(const Vfs&) = delete;
  Vfs& operator=(const Vfs&) = delete;

  // Forgets every mount and descriptor without touching them: at boot they belong to the
  // previous boot's heap, which is gone.
  void reset();

  // The first mount must be at "/"; later ones go over a directory that is not already
  // a mount point (EBUSY). `fs` must outlive the mount.
  Result<void> mount(ktl::StringView path, FileSystem& fs);
  // EBUSY while a descriptor is open on it or another filesystem is mounted inside it.
  Result<void> unmount(ktl::StringView path);
  // The same for the mount of `fs`, wherever it is (EINVAL when not mounted); with
  // `check_only`, says whether it could be unmounted without doing it.
  Result<void> unmount(FileSystem& fs, bool check_only = false);
  // The filesystem whose root is at `path`; EINVAL when `path` is not a mount point.
  Result<FileSystem*> mounted_at(ktl::StringView path);
  uint32_t mount_count() const { return mounts_.count(); }
  int open_descriptor_count() const { return descriptors_.open_count(); }

  Result<int> open(ktl::StringView path, int flags);
  Result<void> close(int fd);
  Result<size_t> read(int fd, ktl::MutableBytes buffer);
  Result<size_t> pread(int fd, ktl::MutableBytes buffer, uint64_t offset);
  Result<size_t> write(int fd, ktl::Bytes data);
  Result<uint64_t> lseek(int fd, int64_t offset, vfs::Whence whence);
  Result<vfs::Stat> fstat(int fd);
  Result<vfs::Stat> stat(ktl::StringView path);
  Result<vfs::Stat> lstat(ktl::StringView path);
  Result<bool> readdir(int fd, vfs::DirectoryEntry& entry);
  Result<size_t> readlink(ktl::StringView path, ktl::MutableBytes buffer);
  Result<ktl::Bytes> map(int fd);
  Result<void> verify(int fd);
  Result<void> ftruncate(int fd, uint64_t size);

  // Streams (sockets) share the descriptor table with files; read, write, close, fstat
  // and the calls below take both, lseek and pread refuse streams with ESPIPE.
  // Installs `stream` under the lowest free descriptor; on failure the stream is closed.
  Result<int> install(Stream& stream, int flags);
  // The open description behind `fd` (EBADF); hold it (HeldDescription) across calls that block.
  Result<FileDescription*> description(int fd);
  // fcntl's F_GETFL and F_SETFL (O_APPEND and O_NONBLOCK change; O_NONBLOCK reaches the stream).
  Result<int> status_flags(int fd);
  Result<void> set_status_flags(int fd, int flags);
  // Which of `events` (POLL* bits) hold now: files are always ready; streams say.
  Result<int> poll_ready(int fd, int events);

  // Changes to the tree, on writable filesystems (see <tessera/vfs.hh> for the rules).
  Result<void> mkdir(ktl::StringView path, uint32_t mode);
  Result<void> rmdir(ktl::StringView path);
  Result<void> unlink(ktl::StringView path);
  Result<void> rename(ktl::StringView from, ktl::StringView to);
  Result<void> symlink(ktl::StringView target, ktl::StringView path);

 private:
  Result<vfs::Stat> stat_node(const Vnode& node);
  // Resolves (or creates) what open() opens and checks the flags against it.
  Result<PathResolver::Resolved> open_node(PathResolver& resolver, ktl::StringView path, int flags);
  // Resolves the entry a namespace change removes or renames: not followed, named, not a
  // mount point, on a writable filesystem. `what` names the call in messages.
  Result<PathResolver::Resolved> resolve_entry(PathResolver& resolver, ktl::StringView path, const char* what);
  // Resolves where a namespace change creates an entry: EEXIST when something is there.
  Result<PathResolver::Resolved> resolve_new_entry(PathResolver& resolver, ktl::StringView path, const char* what);

  MountTable mounts_;
  FileDescriptorTable descriptors_;
};

// The kernel's VFS; the boot image is mounted at its "/" (fs/rofs/rofs_filesystem.hh).
Vfs& kernel_vfs();

}  // namespace tessera
