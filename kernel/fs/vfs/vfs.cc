#include "fs/vfs/vfs.hh"

#include "debug/debugger_interface.hh"

#include "fs/vfs/file_description.hh"
#include "fs/vfs/held_description.hh"
#include "fs/vfs/path_error.hh"

namespace tessera {
namespace {

constinit Vfs g_kernel_vfs;

Error not_seekable(int fd, const Stream* stream, const char* call) {
  return Error::with_message(kESPIPE, "vfs: %s of fd %d: a %s cannot seek", call, fd, stream->type_name());
}

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
    debugger::mounted(path.data(), path.length(), fs.type_name());
    return {};
  }
  PathResolver resolver(mounts_);
  auto resolved = TRY(resolver.resolve(path, {}));
  if (!resolved.node.is_directory()) return path_error(kENOTDIR, path, "cannot mount on a non-directory");
  if (mounts_.is_mount_root(resolved.node)) return path_error(kEBUSY, path, "already a mount point");
  TRY(mounts_.add(&resolved.node, fs));
  debugger::mounted(path.data(), path.length(), fs.type_name());
  return {};
}

Result<void> Vfs::unmount(ktl::StringView path) {
  PathResolver resolver(mounts_);
  auto resolved = TRY(resolver.resolve(path, {}));
  if (!mounts_.is_mount_root(resolved.node)) return path_error(kEINVAL, path, "not a mount point");
  if (descriptors_.any_open_on(resolved.node.mount)) return path_error(kEBUSY, path, "files are open on it");
  const char* type = resolved.node.fs->type_name();
  TRY(mounts_.remove(resolved.node));
  debugger::unmounted(type);
  return {};
}

Result<void> Vfs::unmount(FileSystem& fs, bool check_only) {
  const Vnode* root = mounts_.root_of(fs);
  if (!root) return Error::with_message(kEINVAL, "vfs: %s: not mounted", fs.type_name());
  if (descriptors_.any_open_on(root->mount))
    return Error::with_message(kEBUSY, "vfs: %s: files are open on it", fs.type_name());
  // The mount table's only refusal here: another mount inside this one.
  if (mounts_.remove(*root, check_only).is_error())
    return Error::with_message(kEBUSY, "vfs: %s: another filesystem is mounted inside it", fs.type_name());
  if (!check_only) debugger::unmounted(fs.type_name());
  return {};
}

Result<FileSystem*> Vfs::mounted_at(ktl::StringView path) {
  PathResolver resolver(mounts_);
  auto resolved = TRY(resolver.resolve(path, {}));
  if (!mounts_.is_mount_root(resolved.node)) return path_error(kEINVAL, path, "not a mount point");
  return resolved.node.fs;
}

Result<PathResolver::Resolved> Vfs::open_node(PathResolver& resolver, ktl::StringView path, int flags) {
  using namespace vfs::open_flag;
  bool creating = flags & kCreate;
  bool writing = (flags & kAccessMask) != kReadOnly;
  auto resolved = TRY(resolver.resolve(path, {.follow_final_symlink = !(flags & kNoFollow), .allow_missing_final = creating}));
  const Vnode& parent = resolved.parent;
  if (!resolved.found) {
    // "name/" promises a directory, and open never creates one.
    if (path[path.length() - 1] == '/') return path_error(kEISDIR, path, "cannot create a file with a trailing slash");
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

Result<int> Vfs::install(Stream& stream, int flags) {
  auto created = FileDescription::try_create(stream, flags);
  if (created.is_error()) {
    stream.close();
    return created.release_error();
  }
  auto installed = descriptors_.install(created.value());
  if (installed.is_error()) created.value()->release();
  return installed;
}

Result<FileDescription*> Vfs::description(int fd) { return descriptors_.get(fd); }

Result<int> Vfs::status_flags(int fd) {
  FileDescription* description = TRY(descriptors_.get(fd));
  return description->flags();
}

Result<void> Vfs::set_status_flags(int fd, int flags) {
  HeldDescription description(TRY(descriptors_.get(fd)));
  bool nonblocking = flags & vfs::open_flag::kNonBlocking;
  if (Stream* stream = description->stream(); stream && nonblocking != bool(description->flags() & vfs::open_flag::kNonBlocking))
    TRY(stream->set_nonblocking(nonblocking));
  description->set_status_flags(flags);
  return {};
}

Result<int> Vfs::poll_ready(int fd, int events) {
  HeldDescription description(TRY(descriptors_.get(fd)));
  if (Stream* stream = description->stream()) return stream->poll(events);
  // Files never block: always readable and writable, as on Linux.
  return events & vfs::poll_event::kAlwaysReady;
}

Result<void> Vfs::close(int fd) {
  FileDescription* description = TRY(descriptors_.take(fd));
  description->release();
  return {};
}

Result<size_t> Vfs::read(int fd, ktl::MutableBytes buffer) {
  HeldDescription description(TRY(descriptors_.get(fd)));
  if (Stream* stream = description->stream()) return stream->read(buffer);
  const Vnode& node = description->node();
  if (node.is_directory()) return Error::with_message(kEISDIR, "vfs: read of fd %d: is a directory", fd);
  if (!description->can_read()) return Error::with_message(kEBADF, "vfs: read of fd %d: not open for reading", fd);
  size_t count = TRY(node.fs->read(node.inode, description->offset(), buffer));
  description->set_offset(description->offset() + count);
  return count;
}

Result<size_t> Vfs::pread(int fd, ktl::MutableBytes buffer, uint64_t offset) {
  HeldDescription description(TRY(descriptors_.get(fd)));
  if (description->stream()) return not_seekable(fd, description->stream(), "pread");
  const Vnode& node = description->node();
  if (node.is_directory()) return Error::with_message(kEISDIR, "vfs: pread of fd %d: is a directory", fd);
  if (!description->can_read()) return Error::with_message(kEBADF, "vfs: pread of fd %d: not open for reading", fd);
  if (offset > uint64_t(INT64_MAX)) return Error::with_message(kEINVAL, "vfs: pread of fd %d: offset %lu is negative", fd, offset);
  return node.fs->read(node.inode, offset, buffer);
}

Result<size_t> Vfs::write(int fd, ktl::Bytes data) {
  HeldDescription description(TRY(descriptors_.get(fd)));
  if (Stream* stream = description->stream()) return stream->write(data);
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
  if (description->stream()) return not_seekable(fd, description->stream(), "lseek");
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
  if (description->stream()) {
    vfs::Stat stat{};
    stat.mode = vfs::file_type::kSocket | 0777;
    stat.link_count = 1;
    return stat;
  }
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

Result<void> Vfs::ftruncate(int fd, uint64_t size) {
  HeldDescription description(TRY(descriptors_.get(fd)));
  const Vnode& node = description->node();
  if (!node.is_regular()) return Error::with_message(kEINVAL, "vfs: ftruncate of fd %d: not a regular file", fd);
  if (!description->can_write()) return Error::with_message(kEINVAL, "vfs: ftruncate of fd %d: not open for writing", fd);
  if (size > uint64_t(INT64_MAX)) return Error::with_message(kEINVAL, "vfs: ftruncate of fd %d: size %lu is negative", fd, size);
  return node.fs->truncate(node.inode, size);
}

Result<PathResolver::Resolved> Vfs::resolve_entry(PathResolver& resolver, ktl::StringView path, const char* what) {
  auto resolved = TRY(resolver.resolve(path, {.follow_final_symlink = false}));
  if (mounts_.is_mount_root(resolved.node)) return path_error(kEBUSY, path, "cannot %s a mount point", what);
  if (resolved.name.empty()) return path_error(kEINVAL, path, "cannot %s: the path ends in '.' or '..'", what);
  if (resolved.parent.fs->is_read_only()) return path_error(kEROFS, path, "cannot %s on a read-only filesystem", what);
  return resolved;
}

Result<PathResolver::Resolved> Vfs::resolve_new_entry(PathResolver& resolver, ktl::StringView path, const char* what) {
  auto resolved = TRY(resolver.resolve(path, {.follow_final_symlink = false, .allow_missing_final = true}));
  if (resolved.found) return path_error(kEEXIST, path, "cannot %s: already exists", what);
  if (resolved.parent.fs->is_read_only()) return path_error(kEROFS, path, "cannot %s on a read-only filesystem", what);
  return resolved;
}

Result<void> Vfs::mkdir(ktl::StringView path, uint32_t mode) {
  PathResolver resolver(mounts_);
  auto resolved = TRY(resolve_new_entry(resolver, path, "mkdir"));
  const Vnode& parent = resolved.parent;
  TRY(parent.fs->create(parent.inode, resolved.name, vfs::file_type::kDirectory | (mode & 07777)));
  return {};
}

Result<void> Vfs::symlink(ktl::StringView target, ktl::StringView path) {
  if (target.empty()) return path_error(kENOENT, path, "cannot symlink: the target is empty");
  if (target.length() >= vfs::kPathMax)
    return path_error(kENAMETOOLONG, path, "cannot symlink: target of %zu bytes is longer than %zu", target.length(), vfs::kPathMax - 1);
  PathResolver resolver(mounts_);
  auto resolved = TRY(resolve_new_entry(resolver, path, "symlink"));
  const Vnode& parent = resolved.parent;
  TRY(parent.fs->create_symlink(parent.inode, resolved.name, target));
  return {};
}

Result<void> Vfs::rmdir(ktl::StringView path) {
  PathResolver resolver(mounts_);
  auto resolved = TRY(resolve_entry(resolver, path, "rmdir"));
  if (!resolved.node.is_directory()) return path_error(kENOTDIR, path, "cannot rmdir: not a directory");
  return resolved.parent.fs->remove_directory(resolved.parent.inode, resolved.name);
}

Result<void> Vfs::unlink(ktl::StringView path) {
  PathResolver resolver(mounts_);
  auto resolved = TRY(resolve_entry(resolver, path, "unlink"));
  if (resolved.node.is_directory()) return path_error(kEISDIR, path, "cannot unlink: is a directory");
  return resolved.parent.fs->unlink(resolved.parent.inode, resolved.name);
}

Result<void> Vfs::rename(ktl::StringView from, ktl::StringView to) {
  PathResolver from_resolver(mounts_);
  auto source = TRY(resolve_entry(from_resolver, from, "rename"));
  PathResolver to_resolver(mounts_);
  auto target = TRY(to_resolver.resolve(to, {.follow_final_symlink = false, .allow_missing_final = true,
                                             .watched = source.node.is_directory() ? &source.node : nullptr}));
  if (target.name.empty()) {
    if (target.found && mounts_.is_mount_root(target.node)) return path_error(kEBUSY, to, "cannot rename onto a mount point");
    return path_error(kEINVAL, to, "cannot rename: the path ends in '.' or '..'");
  }
  if (target.found && mounts_.is_mount_root(target.node)) return path_error(kEBUSY, to, "cannot rename onto a mount point");
  if (source.parent.mount != target.parent.mount)
    return path_error(kEXDEV, to, "cannot rename across filesystems");
  if (target.found) {
    if (target.node.same_node(source.node)) return {};
    if (source.node.is_directory() && !target.node.is_directory())
      return path_error(kENOTDIR, to, "cannot rename a directory over a non-directory");
    if (!source.node.is_directory() && target.node.is_directory())
      return path_error(kEISDIR, to, "cannot rename a non-directory over a directory");
  }
  // The target's parent is the source or inside it: the directory would lose its place.
  if (target.below_watched) return path_error(kEINVAL, to, "cannot move a directory into its own subtree");
  return source.parent.fs->rename(source.parent.inode, source.name, target.parent.inode, target.name);
}

}  // namespace tessera
