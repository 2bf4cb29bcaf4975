#include "fs/vfs/vfs.hh"

#include "fs/vfs/file_description.hh"
#include "fs/vfs/path_error.hh"

namespace tessera {
namespace {

constinit Vfs g_kernel_vfs;

// Keeps a description alive for the length of one call, even if the call closes it.
class HeldDescription {
 public:
  explicit HeldDescription(FileDescription* description) : description_(description) {
    description_->add_reference();
  }
  ~HeldDescription() { description_->release(); }
  HeldDescription(const HeldDescription&) = delete;
  HeldDescription& operator=(const HeldDescription&) = delete;
  FileDescription* operator->() const { return description_; }

 private:
  FileDescription* description_;
};

bool only_slashes(ktl::StringView path) {
  for (char c : path)
    if (c != '/') return false;
  return !path.empty();
}

}  // namespace

Vfs& kernel_vfs() { return g_kernel_vfs; }

void Vfs::reset() {
  mounts_.reset();
  descriptors_.reset();
}

Result<void> Vfs::mount(ktl::StringView path, FileSystem& fs) {
  if (!mounts_.root()) {
    if (!only_slashes(path)) return path_error(kENOENT, path, "cannot mount: nothing is mounted at / yet");
    TRY(mounts_.add(nullptr, fs));
    return {};
  }
  PathResolver resolver(mounts_);
  auto resolved = TRY(resolver.resolve(path, {}));
  if (!resolved.node.is_directory()) return path_error(kENOTDIR, path, "cannot mount on a non-directory");
  if (mounts_.is_mount_root(resolved.node)) return path_error(kEBUSY, path, "already a mount point");
  TRY(mounts_.add(&resolved.node, fs));
  return {};
}

Result<void> Vfs::unmount(ktl::StringView path) {
  PathResolver resolver(mounts_);
  auto resolved = TRY(resolver.resolve(path, {}));
  if (!mounts_.is_mount_root(resolved.node)) return path_error(kEINVAL, path, "not a mount point");
  if (descriptors_.any_open_on(resolved.node.mount)) return path_error(kEBUSY, path, "files are open on it");
  return mounts_.remove(resolved.node);
}

Result<PathResolver::Resolved> Vfs::open_node(PathResolver& resolver, ktl::StringView path, int flags) {
  using namespace vfs::open_flag;
  bool creating = flags & kCreate;
  bool writing = (flags & kAccessMask) != kReadOnly;
  auto resolved = TRY(resolver.resolve(path, {.follow_final_symlink = !(flags & kNoFollow), .allow_missing_final = creating}));
  const Vnode& parent = resolved.parent;
  if (!resolved.found) {
    if (parent.fs->is_read_only()) return path_error(kEROFS, path, "cannot create on a read-only filesystem");
    FileSystem::Node created = TRY(parent.fs->create(parent.inode, resolved.missing_name, vfs::file_type::kRegular | 0644));
    resolved.node = Vnode{parent.fs, created.inode, created.type, parent.mount};
    resolved.found = true;
    return resolved;
  }
  const Vnode& node = resolved.node;
  if (creating && (flags & kExclusive)) return path_error(kEEXIST, path, "already exists");
  if (node.is_symlink()) return path_error(kELOOP, path, "is a symlink and O_NOFOLLOW was given");
  if ((flags & kDirectory) && !node.is_directory()) return path_error(kENOTDIR, path, "not a directory");
  if (writing && node.is_directory()) return path_error(kEISDIR, path, "is a directory, cannot open it for writing");
  if ((writing || (flags & kTruncate)) && node.fs->is_read_only())
    return path_error(kEROFS, path, "read-only filesystem");
  if (writing && (flags & kTruncate) && node.is_regular()) TRY(node.fs->truncate(node.inode, 0));
  return resolved;
}

Result<int> Vfs::open(ktl::StringView path, int flags) {
  PathResolver resolver(mounts_);
  auto opened = TRY(open_node(resolver, path, flags));
  const Vnode& node = opened.node;
  TRY(node.fs->open_inode(node.inode, flags));
  auto created = FileDescription::try_create(node, opened.parent, flags);
  if (created.is_error()) {
    node.fs->close_inode(node.inode);
    return created.release_error();
  }
  FileDescription* description = created.value();
  auto installed = descriptors_.install(description);
  if (installed.is_error()) description->release();
  return installed;
}

Result<void> Vfs::close(int fd) {
  FileDescription* description = TRY(descriptors_.take(fd));
  description->release();
  return {};
}

Result<size_t> Vfs::read(int fd, ktl::MutableBytes buffer) {
  HeldDescription description(TRY(descriptors_.get(fd)));
  const Vnode& node = description->node();
  if (node.is_directory()) return Error::with_message(kEISDIR, "vfs: read of fd %d: is a directory", fd);
  if (!description->can_read()) return Error::with_message(kEBADF, "vfs: read of fd %d: not open for reading", fd);
  size_t count = TRY(node.fs->read(node.inode, description->offset(), buffer));
  description->set_offset(description->offset() + count);
  return count;
}

Result<size_t> Vfs::pread(int fd, ktl::MutableBytes buffer, uint64_t offset) {
  HeldDescription description(TRY(descriptors_.get(fd)));
  const Vnode& node = description->node();
  if (node.is_directory()) return Error::with_message(kEISDIR, "vfs: pread of fd %d: is a directory", fd);
  if (!description->can_read()) return Error::with_message(kEBADF, "vfs: pread of fd %d: not open for reading", fd);
  if (offset > uint64_t(INT64_MAX)) return Error::with_message(kEINVAL, "vfs: pread of fd %d: offset %lu is negative", fd, offset);
  return node.fs->read(node.inode, offset, buffer);
}

Result<size_t> Vfs::write(int fd, ktl::Bytes data) {
  HeldDescription description(TRY(descriptors_.get(fd)));
  const Vnode& node = description->node();
  if (!description->can_write()) return Error::with_message(kEBADF, "vfs: write to fd %d: not open for writing", fd);
  uint64_t offset = description->offset();
  if (description->flags() & vfs::open_flag::kAppend) offset = uint64_t(TRY(stat_node(node)).size);
  size_t count = TRY(node.fs->write(node.inode, offset, data));
  description->set_offset(offset + count);
  return count;
}

Result<uint64_t> Vfs::lseek(int fd, int64_t offset, vfs::Whence whence) {
  HeldDescription description(TRY(descriptors_.get(fd)));
  const Vnode& node = description->node();
  int64_t base = 0;
  switch (whence) {
    case vfs::Whence::kSet: base = 0; break;
    case vfs::Whence::kCurrent: base = int64_t(description->offset()); break;
    case vfs::Whence::kEnd:
      // A directory's offset is an entry index: there is no meaningful end to count from.
      if (node.is_directory()) return Error::with_message(kEINVAL, "vfs: lseek of fd %d: SEEK_END on a directory", fd);
      base = TRY(stat_node(node)).size;
      break;
    default: return Error::with_message(kEINVAL, "vfs: lseek of fd %d: whence %d is not SEEK_SET/CUR/END", fd, int(whence));
  }
  int64_t position = 0;
  if (!ktl::checked_add(base, offset, position))
    return Error::with_message(kEOVERFLOW, "vfs: lseek of fd %d: %ld + %ld overflows", fd, base, offset);
  if (position < 0) return Error::with_message(kEINVAL, "vfs: lseek of fd %d: position %ld is negative", fd, position);
  description->set_offset(uint64_t(position));
  return uint64_t(position);
}

Result<vfs::Stat> Vfs::stat_node(const Vnode& node) {
  vfs::Stat stat = TRY(node.fs->stat(node.inode));
  stat.device = node.mount + 1;
  return stat;
}

Result<vfs::Stat> Vfs::fstat(int fd) {
  HeldDescription description(TRY(descriptors_.get(fd)));
  return stat_node(description->node());
}

Result<vfs::Stat> Vfs::stat(ktl::StringView path) {
  PathResolver resolver(mounts_);
  auto resolved = TRY(resolver.resolve(path, {}));
  return stat_node(resolved.node);
}

Result<vfs::Stat> Vfs::lstat(ktl::StringView path) {
  PathResolver resolver(mounts_);
  auto resolved = TRY(resolver.resolve(path, {.follow_final_symlink = false}));
  return stat_node(resolved.node);
}

Result<bool> Vfs::readdir(int fd, vfs::DirectoryEntry& entry) {
  HeldDescription description(TRY(descriptors_.get(fd)));
  const Vnode& node = description->node();
  if (!node.is_directory()) return Error::with_message(kENOTDIR, "vfs: readdir of fd %d: not a directory", fd);
  uint64_t index = description->offset();
  if (index < 2) {
    // "." and ".." are not stored by filesystems; the VFS knows both nodes.
    const Vnode& listed = index == 0 ? node : description->parent();
    entry.inode = listed.inode;
    entry.type = vfs::entry_type::kDirectory;
    entry.name_length = uint16_t(index + 1);
    entry.name[0] = '.';
    entry.name[1] = index == 0 ? '\0' : '.';
    entry.name[index + 1] = '\0';
  } else if (!TRY(node.fs->read_directory(node.inode, index - 2, entry))) {
    return false;
  }
  description->set_offset(index + 1);
  return true;
}

Result<size_t> Vfs::readlink(ktl::StringView path, ktl::MutableBytes buffer) {
  PathResolver resolver(mounts_);
  auto resolved = TRY(resolver.resolve(path, {.follow_final_symlink = false}));
  if (!resolved.node.is_symlink()) return path_error(kEINVAL, path, "not a symlink");
  return resolved.node.fs->read_link(resolved.node.inode, buffer);
}

Result<ktl::Bytes> Vfs::map(int fd) {
  HeldDescription description(TRY(descriptors_.get(fd)));
  const Vnode& node = description->node();
  if (!node.is_regular()) return Error::with_message(kENODEV, "vfs: map of fd %d: not a regular file", fd);
  if (!description->can_read()) return Error::with_message(kEACCES, "vfs: map of fd %d: not open for reading", fd);
  return node.fs->map(node.inode);
}

Result<void> Vfs::verify(int fd) {
  HeldDescription description(TRY(descriptors_.get(fd)));
  const Vnode& node = description->node();
  if (!node.is_regular()) return Error::with_message(kEINVAL, "vfs: verify of fd %d: not a regular file", fd);
  return node.fs->verify(node.inode);
}

}  // namespace tessera
