#include "module/api/module_file_system.hh"

#include <tessera/errno.hh>
#include "mm/heap.hh"

namespace tessera {
namespace {

bool is_known_type(uint32_t type) {
  return type == vfs::file_type::kDirectory || type == vfs::file_type::kRegular || type == vfs::file_type::kSymlink;
}

// A module's error code: a Linux errno between 1 and 4095, negated. Anything else is a bug
// in the module, reported as EIO rather than passed on as nonsense.
bool is_error_code(int64_t code) { return code < 0 && code > -4096; }

}  // namespace

Result<ModuleFileSystem*> ModuleFileSystem::try_create(const tessera_filesystem_ops& ops, void* context) {
  if (ops.root_inode == 0) return Error::with_message(kEINVAL, "module filesystem: root inode 0 is not valid");
  return try_make<ModuleFileSystem>(ops, context);
}

ModuleFileSystem::ModuleFileSystem(const tessera_filesystem_ops& ops, void* context)
    : ops_(ops), original_ops_(&ops), context_(context) {
  const char* name = ops.type_name ? ops.type_name : "module-fs";
  size_t length = __builtin_strlen(name);
  if (length >= kTypeNameCapacity) length = kTypeNameCapacity - 1;
  __builtin_memcpy(type_name_, name, length);
  // The table keeps the module's string otherwise; messages use our copy.
  ops_.type_name = type_name_;
}

bool ModuleFileSystem::provided_by(uintptr_t begin, uintptr_t end) const {
  auto inside = [&](const void* pointer) {
    auto address = reinterpret_cast<uintptr_t>(pointer);
    return address >= begin && address < end;
  };
  return inside(original_ops_) || inside(reinterpret_cast<const void*>(ops_.lookup)) ||
         inside(reinterpret_cast<const void*>(ops_.stat)) || inside(reinterpret_cast<const void*>(ops_.read)) ||
         inside(reinterpret_cast<const void*>(ops_.create)) || inside(reinterpret_cast<const void*>(ops_.write));
}

// The refusals FileSystem's defaults would give, made here: those inline defaults may be
// instantiated in host code built with RTTI, whose sanitizer checks reject our vtable.
Error ModuleFileSystem::unsupported(const char* what) const {
  return Error::with_message(kENOSYS, "%s: %s not supported", type_name_, what);
}

Error ModuleFileSystem::refused() const { return Error::with_message(kEROFS, "%s: read-only filesystem", type_name_); }

Error ModuleFileSystem::failure(int64_t code, const char* what, ktl::StringView name, uint64_t inode) const {
  if (!is_error_code(code))
    return Error::with_message(kEIO, "%s: %s returned %ld, not a count or a negative errno", type_name_, what, code);
  if (!name.empty())
    return Error::with_message(int(-code), "%s: %s '%.*s' in directory %lu: %s", type_name_, what, int(name.length()),
                               name.data(), inode, errno_name(int(-code)));
  return Error::with_message(int(-code), "%s: %s of inode %lu: %s", type_name_, what, inode, errno_name(int(-code)));
}

Result<FileSystem::Node> ModuleFileSystem::node(int code, const tessera_fs_node& found, const char* what,
                                                ktl::StringView name, uint64_t inode) const {
  if (code != 0) return failure(code, what, name, inode);
  if (found.inode == 0 || !is_known_type(found.type))
    return Error::with_message(kEIO, "%s: %s '%.*s' gave inode %lu of type 0%o", type_name_, what, int(name.length()),
                               name.data(), found.inode, found.type);
  return Node{found.inode, found.type};
}

Result<void> ModuleFileSystem::status(int code, const char* what, ktl::StringView name, uint64_t inode) const {
  if (code != 0) return failure(code, what, name, inode);
  return {};
}

Result<FileSystem::Node> ModuleFileSystem::lookup(uint64_t directory, ktl::StringView name) {
  if (!ops_.lookup) return unsupported("lookup");
  tessera_fs_node found = {};
  int code = ops_.lookup(context_, directory, name.data(), name.length(), &found);
  // ENOENT is an answer, not a failure: path resolution asks it all the time and turns it
  // into its own message naming the path, so it must stay cheap.
  if (code == -kENOENT) return Error::from_code(kENOENT);
  return node(code, found, "lookup", name, directory);
}

Result<vfs::Stat> ModuleFileSystem::stat(uint64_t inode) {
  if (!ops_.stat) return unsupported("stat");
  tessera_stat out = {};
  int code = ops_.stat(context_, inode, &out);
  if (code != 0) return failure(code, "stat", {}, inode);
  vfs::Stat stat;
  stat.inode = out.inode;
  stat.mode = out.mode;
  stat.link_count = out.link_count;
  stat.uid = out.uid;
  stat.gid = out.gid;
  stat.size = out.size;
  stat.block_size = out.block_size;
  stat.blocks = out.blocks;
  stat.access_time_ns = out.access_time_ns;
  stat.modify_time_ns = out.modify_time_ns;
  stat.change_time_ns = out.change_time_ns;
  return stat;
}

Result<size_t> ModuleFileSystem::read(uint64_t inode, uint64_t offset, ktl::MutableBytes buffer) {
  if (!ops_.read) return unsupported("read");
  int64_t count = ops_.read(context_, inode, offset, buffer.data(), buffer.size());
  if (count < 0) return failure(count, "read", {}, inode);
  if (uint64_t(count) > buffer.size())
    return Error::with_message(kEIO, "%s: read of inode %lu returned %ld bytes for a %zu-byte buffer", type_name_,
                               inode, count, buffer.size());
  return size_t(count);
}

Result<bool> ModuleFileSystem::read_directory(uint64_t directory, uint64_t index, vfs::DirectoryEntry& entry) {
  if (!ops_.read_directory) return unsupported("readdir");
  tessera_dirent out;
  int code = ops_.read_directory(context_, directory, index, &out);
  if (code < 0) return failure(code, "readdir", {}, directory);
  if (code == 0) return false;
  if (code != 1) return failure(code, "readdir", {}, directory);
  if (out.inode == 0 || out.name_length == 0 || out.name_length > vfs::kNameMax)
    return Error::with_message(kEIO, "%s: readdir of inode %lu gave entry %lu with inode %lu and a %u-byte name",
                               type_name_, directory, index, out.inode, unsigned(out.name_length));
  entry.inode = out.inode;
  entry.type = out.type;
  entry.name_length = out.name_length;
  __builtin_memcpy(entry.name, out.name, out.name_length);
  entry.name[out.name_length] = '\0';
  return true;
}

Result<size_t> ModuleFileSystem::read_link(uint64_t inode, ktl::MutableBytes buffer) {
  if (!ops_.read_link) return unsupported("readlink");
  int64_t count = ops_.read_link(context_, inode, reinterpret_cast<char*>(buffer.data()), buffer.size());
  if (count < 0) return failure(count, "readlink", {}, inode);
  if (uint64_t(count) > buffer.size())
    return Error::with_message(kEIO, "%s: readlink of inode %lu returned %ld bytes for a %zu-byte buffer", type_name_,
                               inode, count, buffer.size());
  return size_t(count);
}

Result<void> ModuleFileSystem::open_inode(uint64_t inode, int flags) {
  if (!ops_.open_inode) return {};
  return status(ops_.open_inode(context_, inode, flags), "open", {}, inode);
}

void ModuleFileSystem::close_inode(uint64_t inode) {
  if (ops_.close_inode) ops_.close_inode(context_, inode);
}

Result<FileSystem::Node> ModuleFileSystem::create(uint64_t directory, ktl::StringView name, uint32_t mode) {
  if (!ops_.create) return refused();
  tessera_fs_node created = {};
  int code = ops_.create(context_, directory, name.data(), name.length(), mode, &created);
  return node(code, created, (mode & vfs::file_type::kMask) == vfs::file_type::kDirectory ? "mkdir" : "create", name,
              directory);
}

Result<FileSystem::Node> ModuleFileSystem::create_symlink(uint64_t directory, ktl::StringView name,
                                                          ktl::StringView target) {
  if (!ops_.create_symlink) return refused();
  tessera_fs_node created = {};
  int code = ops_.create_symlink(context_, directory, name.data(), name.length(), target.data(), target.length(),
                                 &created);
  return node(code, created, "symlink", name, directory);
}

Result<size_t> ModuleFileSystem::write(uint64_t inode, uint64_t offset, ktl::Bytes data) {
  if (!ops_.write) return refused();
  int64_t count = ops_.write(context_, inode, offset, data.data(), data.size());
  if (count < 0) return failure(count, "write", {}, inode);
  if (uint64_t(count) > data.size())
    return Error::with_message(kEIO, "%s: write to inode %lu returned %ld for %zu bytes", type_name_, inode, count,
                               data.size());
  return size_t(count);
}

Result<void> ModuleFileSystem::truncate(uint64_t inode, uint64_t size) {
  if (!ops_.truncate) return refused();
  return status(ops_.truncate(context_, inode, size), "truncate", {}, inode);
}

Result<void> ModuleFileSystem::unlink(uint64_t directory, ktl::StringView name) {
  if (!ops_.unlink) return refused();
  return status(ops_.unlink(context_, directory, name.data(), name.length()), "unlink", name, directory);
}

Result<void> ModuleFileSystem::remove_directory(uint64_t directory, ktl::StringView name) {
  if (!ops_.remove_directory) return refused();
  return status(ops_.remove_directory(context_, directory, name.data(), name.length()), "rmdir", name, directory);
}

Result<void> ModuleFileSystem::rename(uint64_t from_directory, ktl::StringView from_name, uint64_t to_directory,
                                      ktl::StringView to_name) {
  if (!ops_.rename) return refused();
  int code = ops_.rename(context_, from_directory, from_name.data(), from_name.length(), to_directory, to_name.data(),
                         to_name.length());
  return status(code, "rename", from_name, from_directory);
}

}  // namespace tessera
