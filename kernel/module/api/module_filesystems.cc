#include "module/api/module_filesystems.hh"

#include <tessera/module_api.h>

#include <tessera/format.hh>

#include "fs/vfs/filesystem_types.hh"
#include "fs/vfs/path_error.hh"
#include "log/log.hh"
#include "mm/heap.hh"
#include "module/api/module_file_system.hh"

namespace tessera {
namespace {

struct Registration {
  ModuleFileSystem* filesystem = nullptr;
  Vfs* vfs = nullptr;
  void* context = nullptr;
  ModuleMountOwner owner;
};

constinit Registration g_registrations[kMaxModuleFilesystems] = {};

// The registration of `filesystem`; with null, a free slot.
Registration* find(const FileSystem* filesystem) {
  for (Registration& registration : g_registrations)
    if (registration.filesystem == filesystem) return &registration;
  return nullptr;
}

Result<void> unmount_registered(Registration& registration) {
  TRY(registration.vfs->unmount(*registration.filesystem));
  destroy(registration.filesystem);
  Registration gone = registration;
  registration = Registration{};
  if (gone.owner.release) gone.owner.release(gone.context);
  return {};
}

}  // namespace

Result<void> mount_module_filesystem(Vfs& vfs, ktl::StringView path, const tessera_filesystem_ops& ops, void* context,
                                     const ModuleMountOwner& owner) {
  Registration* free_slot = find(nullptr);
  if (!free_slot) return path_error(kENOSPC, path, "cannot mount: %u module filesystems are mounted", kMaxModuleFilesystems);
  ModuleFileSystem* filesystem = TRY(ModuleFileSystem::try_create(ops, context));
  auto mounted = vfs.mount(path, *filesystem);
  if (mounted.is_error()) {
    destroy(filesystem);
    return mounted.release_error();
  }
  *free_slot = Registration{filesystem, &vfs, context, owner};
  log::info("vfs: %s mounted at %.*s", filesystem->type_name(), int(path.length()), path.data());
  return {};
}

Result<void> unmount_module_filesystem(Vfs& vfs, ktl::StringView path) {
  FileSystem* filesystem = TRY(vfs.mounted_at(path));
  Registration* registration = filesystem ? find(filesystem) : nullptr;
  if (!registration || registration->vfs != &vfs)
    return path_error(kEPERM, path, "cannot unmount: %s was not mounted by a module", filesystem->type_name());
  return unmount_registered(*registration);
}

Result<void> unmount_instances_of(const void* type) {
  for (Registration& registration : g_registrations)
    if (registration.filesystem && registration.owner.type == type)
      TRY(registration.vfs->unmount(*registration.filesystem, /*check_only=*/true));
  // A mount inside another instance of the same type: repeat while that makes progress.
  for (bool progress = true; progress;) {
    progress = false;
    for (Registration& registration : g_registrations)
      if (registration.filesystem && registration.owner.type == type && unmount_registered(registration).is_ok())
        progress = true;
  }
  for (Registration& registration : g_registrations)
    if (registration.filesystem && registration.owner.type == type)
      return Error::with_message(kEBUSY, "cannot unmount every %s: one is mounted inside another filesystem in use",
                                 registration.filesystem->type_name());
  return {};
}

Result<void> check_module_filesystems_idle(Vfs& vfs, uintptr_t begin, uintptr_t end) {
  for (Registration& registration : g_registrations) {
    if (!registration.filesystem || registration.vfs != &vfs || !registration.filesystem->provided_by(begin, end))
      continue;
    TRY(vfs.unmount(*registration.filesystem, /*check_only=*/true));
  }
  return {};
}

Result<void> unmount_module_filesystems(Vfs& vfs, uintptr_t begin, uintptr_t end) {
  // One mount may sit inside another of the same module: repeat while that makes progress.
  for (;;) {
    bool progress = false;
    Result<void> last = {};
    for (Registration& registration : g_registrations) {
      if (!registration.filesystem || registration.vfs != &vfs || !registration.filesystem->provided_by(begin, end))
        continue;
      char type_name[32];
      format(type_name, sizeof type_name, "%s", registration.filesystem->type_name());
      auto unmounted = unmount_registered(registration);
      if (unmounted.is_error()) {
        last = unmounted.release_error();
        continue;
      }
      log::warn("vfs: unmounted %s, which its module left mounted", type_name);
      progress = true;
    }
    if (!progress) {
      if (last.is_error()) return last;
      return FileSystemTypes::forget_provided_by(begin, end);
    }
  }
}

uint32_t module_filesystem_count() {
  uint32_t count = 0;
  for (const Registration& registration : g_registrations)
    if (registration.filesystem) ++count;
  return count;
}

void reset_module_filesystems() {
  for (Registration& registration : g_registrations) registration = Registration{};
  FileSystemTypes::reset();
}

}  // namespace tessera
