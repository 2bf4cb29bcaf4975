// The module's entry points: init creates a RamFs on the kernel heap and mounts it at
// /tmp; exit unmounts and frees it. Declared as the module's INIT/EXIT in CMakeLists.txt.
#include <tessera/module_api.h>

#include "ramfs.hh"
#include "ramfs_operations.hh"

namespace {

constexpr const char* kMountPoint = "/tmp";

constinit tessera::ramfs::RamFs* g_filesystem = nullptr;

void* allocate(void*, size_t size) { return malloc(size); }
void release(void*, void* pointer) { free(pointer); }
int64_t wall_clock(void*) { return int64_t(tessera_wall_clock_ns()); }

}  // namespace

extern "C" TESSERA_MODULE_EXPORT int ramfs_init(void) {
  using tessera::ramfs::RamFs;
  RamFs::Environment environment;
  environment.allocator = {allocate, release, nullptr};
  environment.now_ns = wall_clock;
  RamFs* filesystem = nullptr;
  if (int error = RamFs::try_create(environment, RamFs::Options{}, &filesystem)) {
    tessera_log(TESSERA_LOG_ERROR, "ramfs: cannot create the filesystem: %s", tessera_errno_name(error));
    return error;
  }
  if (int error = tessera_mount(kMountPoint, &tessera::ramfs::ramfs_operations(), filesystem)) {
    tessera_log(TESSERA_LOG_ERROR, "ramfs: cannot mount at %s: %s", kMountPoint, tessera_errno_name(error));
    RamFs::destroy(filesystem);
    return error;
  }
  g_filesystem = filesystem;  // the kernel logs the mount
  return 0;
}

extern "C" TESSERA_MODULE_EXPORT void ramfs_exit(void) {
  if (!g_filesystem) return;
  // The loader checked that no file is open on it, so this unmount succeeds; if it did
  // not, the kernel still holds the filesystem and freeing it would leave it dangling.
  if (int error = tessera_unmount(kMountPoint)) {
    tessera_log(TESSERA_LOG_ERROR, "ramfs: cannot unmount %s: %s; keeping its memory", kMountPoint,
                tessera_errno_name(error));
    return;
  }
  tessera::ramfs::RamFs::destroy(g_filesystem);
  g_filesystem = nullptr;
}
