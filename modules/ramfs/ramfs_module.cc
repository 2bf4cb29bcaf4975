// The module's entry points: init registers the filesystem type "ramfs", so that every
// mount(source, target, "ramfs", 0, data) makes a RamFs on the kernel heap; exit
// unregisters it, which unmounts and frees every instance. The module does not mount
// anything itself: the first mount of "ramfs" (kernel.conf mount=ramfs:/tmp, or an
// application's mount call) is what loads it (capability fs:ramfs).
#include <tessera/module_api.h>

#include "ramfs.hh"
#include "ramfs_operations.hh"

namespace {

constexpr const char* kTypeName = "ramfs";

void* allocate(void*, size_t size) { return malloc(size); }
void release(void*, void* pointer) { free(pointer); }
int64_t wall_clock(void*) { return int64_t(tessera_wall_clock_ns()); }

// mount()'s data: "" or "size=BYTES" (like tmpfs's size=, bytes only), the capacity.
int parse_options(const char* data, tessera::ramfs::RamFs::Options& options) {
  if (!data || !*data) return 0;
  constexpr char kSize[] = "size=";
  if (strncmp(data, kSize, sizeof kSize - 1) != 0) {
    tessera_log(TESSERA_LOG_ERROR, "ramfs: unknown mount option '%s' (known: size=BYTES)", data);
    return -22;  // EINVAL
  }
  const char* digits = data + sizeof kSize - 1;
  char* end = nullptr;
  unsigned long bytes = strtoul(digits, &end, 10);
  if (end == digits || *end != '\0' || bytes == 0) {
    tessera_log(TESSERA_LOG_ERROR, "ramfs: mount option '%s': size= needs a whole number of bytes above 0", data);
    return -22;
  }
  options.capacity_bytes = bytes;
  return 0;
}

int mount_instance(const char*, unsigned long, const void* data, const tessera_filesystem_ops** ops, void** instance) {
  using tessera::ramfs::RamFs;
  RamFs::Options options;
  if (int error = parse_options(static_cast<const char*>(data), options)) return error;
  RamFs::Environment environment;
  environment.allocator = {allocate, release, nullptr};
  environment.now_ns = wall_clock;
  RamFs* filesystem = nullptr;
  if (int error = RamFs::try_create(environment, options, &filesystem)) return error;
  *ops = &tessera::ramfs::ramfs_operations();
  *instance = filesystem;
  return 0;
}

void release_instance(void* instance) { tessera::ramfs::RamFs::destroy(static_cast<tessera::ramfs::RamFs*>(instance)); }

constexpr tessera_filesystem_type kType = {mount_instance, release_instance};

}  // namespace

extern "C" TESSERA_MODULE_EXPORT int ramfs_init(void) {
  if (int error = tessera_register_filesystem(kTypeName, &kType)) {
    tessera_log(TESSERA_LOG_ERROR, "ramfs: cannot register the filesystem type: %s", tessera_errno_name(error));
    return error;
  }
  return 0;
}

extern "C" TESSERA_MODULE_EXPORT void ramfs_exit(void) {
  // The loader checked that no file is open on any instance, so this succeeds; if it did
  // not, the kernel keeps the type and its instances, and unmounts them after exit.
  if (int error = tessera_unregister_filesystem(kTypeName))
    tessera_log(TESSERA_LOG_ERROR, "ramfs: cannot unregister: %s", tessera_errno_name(error));
}
