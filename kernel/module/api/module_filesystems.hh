#pragma once
// The filesystems modules have mounted (tessera_mount), so that the kernel can unmount
// and free them, and so that a module is not unmapped while the VFS still calls into it.
//
// The loader's part, around a module's exit entry:
//   TRY(check_module_filesystems_idle(vfs, begin, end));  // before exit: EBUSY if in use
//   ...exit entry, fini_array...                           // the module unmounts its own
//   TRY(unmount_module_filesystems(vfs, begin, end));      // after: whatever it forgot
// where [begin, end) are the module's mapped pages. If the last call fails, the VFS
// still reaches into the module: keep it mapped.
#include <stdint.h>
#include <tessera/ktl/string_view.hh>
#include <tessera/result.hh>
#include "fs/vfs/vfs.hh"

// tessera/module_api.h; not included here so that host tests, which see glibc's
// <string.h>, can use these calls without its C library declarations.
struct tessera_filesystem_ops;

namespace tessera {

// At most one per mount-table slot.
inline constexpr uint32_t kMaxModuleFilesystems = MountTable::kCapacity;

// An instance made through a filesystem type (fs/vfs/filesystem_types.hh): released by
// `release` once unmounted, and unmounted with its type.
struct ModuleMountOwner {
  void (*release)(void* context) = nullptr;
  const void* type = nullptr;  // the registry's slot, compared only
};

// Mounts the module's filesystem over the directory `path` of `vfs`. On failure nothing
// is released: the caller still owns `context`.
Result<void> mount_module_filesystem(Vfs& vfs, ktl::StringView path, const tessera_filesystem_ops& ops, void* context,
                                     const ModuleMountOwner& owner = {});
// Unmounts and releases every instance of `type` (any VFS): EBUSY, changing nothing,
// while one is in use.
Result<void> unmount_instances_of(const void* type);
// Unmounts and frees what mount_module_filesystem put at `path`. EPERM when the
// filesystem there was not mounted by a module.
Result<void> unmount_module_filesystem(Vfs& vfs, ktl::StringView path);
// EBUSY (naming the filesystem) when a filesystem provided by the code in [begin, end)
// could not be unmounted now: files open on it, or a mount inside it.
Result<void> check_module_filesystems_idle(Vfs& vfs, uintptr_t begin, uintptr_t end);
// Unmounts and frees every filesystem provided by the code in [begin, end), then forgets
// the filesystem types registered from there.
Result<void> unmount_module_filesystems(Vfs& vfs, uintptr_t begin, uintptr_t end);
uint32_t module_filesystem_count();
// Forgets every registration without touching it (a new boot: the old heap is gone).
void reset_module_filesystems();

}  // namespace tessera
