#include "ramfs_test_filesystem.hh"

#include <tessera/module_api.h>
#include <tessera/vfs.hh>

namespace tessera {
namespace {

int lookup(void*, uint64_t, const char* name, size_t length, tessera_fs_node* out) {
  if (length >= 3 && __builtin_memcmp(name, "new", 3) == 0) return -2;  // ENOENT: names to create
  out->inode = 7;
  out->type = 0123;  // not a file type
  return 0;
}

int stat(void*, uint64_t inode, tessera_stat* out) {
  *out = tessera_stat{};
  out->inode = inode;
  out->mode = vfs::file_type::kDirectory | 0755;
  return 0;
}

int64_t read(void*, uint64_t, uint64_t, void*, size_t size) { return int64_t(size) + 100; }
int64_t write(void*, uint64_t, uint64_t, const void*, size_t) { return -100000; }

int read_directory(void*, uint64_t, uint64_t, tessera_dirent* out) {
  out->inode = 3;
  out->name_length = 300;
  return 1;
}

tessera_filesystem_ops g_operations;

}  // namespace

const tessera_filesystem_ops& lying_filesystem_operations(const char* type_name, uint64_t root_inode) {
  g_operations = tessera_filesystem_ops{};
  g_operations.type_name = type_name;
  g_operations.root_inode = root_inode;
  g_operations.lookup = lookup;
  g_operations.stat = stat;
  g_operations.read = read;
  g_operations.write = write;
  g_operations.read_directory = read_directory;
  return g_operations;
}

}  // namespace tessera
