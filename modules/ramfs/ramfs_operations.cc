#include "ramfs_operations.hh"

#include <tessera/module_api.h>

#include "ramfs.hh"

namespace tessera::ramfs {
namespace {

RamFs& self(void* filesystem) { return *static_cast<RamFs*>(filesystem); }
ktl::StringView view(const char* name, size_t length) { return {name, length}; }

int write_node(int error, const RamFs::Node& node, tessera_fs_node* out) {
  if (error) return error;
  out->inode = node.inode;
  out->type = node.type;
  return 0;
}

int lookup(void* filesystem, uint64_t directory, const char* name, size_t name_length, tessera_fs_node* out) {
  RamFs::Node node;
  return write_node(self(filesystem).lookup(directory, view(name, name_length), node), node, out);
}

int stat(void* filesystem, uint64_t inode, tessera_stat* out) {
  vfs::Stat stat;
  if (int error = self(filesystem).stat(inode, stat)) return error;
  *out = tessera_stat{};
  out->inode = stat.inode;
  out->mode = stat.mode;
  out->link_count = stat.link_count;
  out->uid = stat.uid;
  out->gid = stat.gid;
  out->size = stat.size;
  out->block_size = stat.block_size;
  out->blocks = stat.blocks;
  out->access_time_ns = stat.access_time_ns;
  out->modify_time_ns = stat.modify_time_ns;
  out->change_time_ns = stat.change_time_ns;
  return 0;
}

int64_t read(void* filesystem, uint64_t inode, uint64_t offset, void* buffer, size_t size) {
  return self(filesystem).read(inode, offset, buffer, size);
}

int read_directory(void* filesystem, uint64_t directory, uint64_t index, tessera_dirent* out) {
  vfs::DirectoryEntry entry;
  int more = self(filesystem).read_directory(directory, index, entry);
  if (more <= 0) return more;
  static_assert(sizeof(out->name) == sizeof(entry.name));
  out->inode = entry.inode;
  out->type = entry.type;
  out->name_length = entry.name_length;
  __builtin_memcpy(out->name, entry.name, entry.name_length + 1u);
  return 1;
}

int64_t read_link(void* filesystem, uint64_t inode, char* buffer, size_t size) {
  return self(filesystem).read_link(inode, buffer, size);
}

int open_inode(void* filesystem, uint64_t inode, int) { return self(filesystem).open_inode(inode); }
void close_inode(void* filesystem, uint64_t inode) { self(filesystem).close_inode(inode); }

int create(void* filesystem, uint64_t directory, const char* name, size_t name_length, uint32_t mode,
           tessera_fs_node* out) {
  RamFs::Node node;
  return write_node(self(filesystem).create(directory, view(name, name_length), mode, node), node, out);
}

int create_symlink(void* filesystem, uint64_t directory, const char* name, size_t name_length, const char* target,
                   size_t target_length, tessera_fs_node* out) {
  RamFs::Node node;
  int error = self(filesystem).create_symlink(directory, view(name, name_length), view(target, target_length), node);
  return write_node(error, node, out);
}

int64_t write(void* filesystem, uint64_t inode, uint64_t offset, const void* data, size_t size) {
  return self(filesystem).write(inode, offset, data, size);
}

int truncate(void* filesystem, uint64_t inode, uint64_t size) { return self(filesystem).truncate(inode, size); }

int unlink(void* filesystem, uint64_t directory, const char* name, size_t name_length) {
  return self(filesystem).unlink(directory, view(name, name_length));
}

int remove_directory(void* filesystem, uint64_t directory, const char* name, size_t name_length) {
  return self(filesystem).remove_directory(directory, view(name, name_length));
}

int rename(void* filesystem, uint64_t from_directory, const char* from_name, size_t from_length, uint64_t to_directory,
           const char* to_name, size_t to_length) {
  return self(filesystem).rename(from_directory, view(from_name, from_length), to_directory, view(to_name, to_length));
}

// Static data with no initialisation code: function addresses are link-time constants.
const tessera_filesystem_ops kOperations = {
    "ramfs", RamFs::kRootInode, 0,
    lookup, stat, read, read_directory, read_link, open_inode, close_inode,
    create, create_symlink, write, truncate, unlink, remove_directory, rename,
};

}  // namespace

const tessera_filesystem_ops& ramfs_operations() { return kOperations; }

}  // namespace tessera::ramfs
