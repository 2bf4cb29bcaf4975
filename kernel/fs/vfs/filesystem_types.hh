#pragma once
// Filesystem types by name, and mount(2)/umount(2) on the kernel's VFS. A module registers
// a type (tessera_register_filesystem) from its init entry; mount(source, target, TYPE, ...)
// makes an instance through it and mounts it. A type nobody registered is asked of the
// module index as the capability "fs:TYPE" (require_capability), so the first mount of a
// type is what loads its module. Called from thread context only (loading may block).
#include <stdint.h>
#include <tessera/ktl/string_view.hh>
#include <tessera/result.hh>

struct tessera_filesystem_type;

namespace tessera {

class Vfs;

class FileSystemTypes {
 public:
  static constexpr uint32_t kCapacity = 8;
  static constexpr size_t kMaxNameLength = 31;

  // Forgets every type (a new boot: the modules that registered them are gone).
  static void reset();
  // EEXIST when taken; EINVAL for a bad name or a type without mount/release; ENOSPC when full.
  static Result<void> add(ktl::StringView name, const tessera_filesystem_type& type);
  // Unmounts every instance (EBUSY, changing nothing, while one is in use) and forgets it.
  static Result<void> remove(ktl::StringView name);
  // The type registered as `name`, or null.
  static const tessera_filesystem_type* find(ktl::StringView name);
  // The loader, after a module's exit entry: forgets the types whose code lies in
  // [begin, end) (the module forgot to unregister them), unmounting their instances.
  static Result<void> forget_provided_by(uintptr_t begin, uintptr_t end);
  static uint32_t count();
};

// mount(2): `type` by name, loading its provider on first use; ENODEV when none.
// `flags` must be 0 (no MS_* flag is supported yet: EINVAL names it).
Result<void> mount_filesystem(Vfs& vfs, ktl::StringView source, ktl::StringView target, ktl::StringView type,
                              unsigned long flags, const void* data);
// umount(2): what mount_filesystem (or a module's tessera_mount) put at `target`.
Result<void> unmount_filesystem(Vfs& vfs, ktl::StringView target);

}  // namespace tessera
