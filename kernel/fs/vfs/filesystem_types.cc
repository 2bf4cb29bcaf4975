#include "fs/vfs/filesystem_types.hh"

#include <tessera/format.hh>
#include <tessera/module_api.h>

#include "fs/vfs/path_error.hh"
#include "fs/vfs/vfs.hh"
#include "log/log.hh"
#include "module/api/module_filesystems.hh"
#include "module/module_index.hh"

namespace tessera {
namespace {

struct TypeSlot {
  char name[FileSystemTypes::kMaxNameLength + 1] = {};
  tessera_filesystem_type type = {};
  bool used = false;
};
constinit TypeSlot g_types[FileSystemTypes::kCapacity] = {};

// As module names: what the index's "fs:NAME" capability and kernel.conf can spell.
bool valid_name(ktl::StringView name) {
  if (name.empty() || name.length() > FileSystemTypes::kMaxNameLength) return false;
  for (char c : name)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-')) return false;
  return true;
}

TypeSlot* slot_named(ktl::StringView name) {
  for (TypeSlot& slot : g_types)
    if (slot.used && name == slot.name) return &slot;
  return nullptr;
}

bool inside(const void* pointer, uintptr_t begin, uintptr_t end) {
  auto address = reinterpret_cast<uintptr_t>(pointer);
  return address >= begin && address < end;
}

Result<void> forget(TypeSlot& slot) {
  TRY(unmount_instances_of(&slot));
  slot = TypeSlot{};
  return {};
}

// The type's slot, loading the module that provides "fs:TYPE" when nobody registered it.
Result<TypeSlot*> type_for_mount(ktl::StringView type, ktl::StringView target) {
  if (TypeSlot* slot = slot_named(type)) return slot;
  char capability[4 + FileSystemTypes::kMaxNameLength + 1];
  format(capability, sizeof capability, "fs:%.*s", int(type.length()), type.data());
  char reason[96];
  format(reason, sizeof reason, "the first mount of %.*s on %.*s", int(type.length()), type.data(),
         int(target.length()), target.data());
  // An image without a module index (built before there was one): the module named after
  // the type, as ramfs is.
  char fallback[FileSystemTypes::kMaxNameLength + 1];
  format(fallback, sizeof fallback, "%.*s", int(type.length()), type.data());
  auto loaded = require_capability(capability, reason, fallback);
  if (loaded.is_error()) {
    // The full story (which capability, and --require as the fix) is longer than an
    // Error holds: the log has it, the caller gets ENODEV naming the type.
    log::error("mount: %s", loaded.error().message());
    return path_error(kENODEV, target, "cannot mount: no filesystem type '%.*s' (no module provides %s)",
                      int(type.length()), type.data(), capability);
  }
  if (TypeSlot* slot = slot_named(type)) return slot;
  return path_error(kENODEV, target, "cannot mount: module %.*s provides %s but registered no type '%.*s'",
                    int(loaded.value()->name().length()), loaded.value()->name().data(), capability,
                    int(type.length()), type.data());
}

}  // namespace

void FileSystemTypes::reset() {
  for (TypeSlot& slot : g_types) slot = TypeSlot{};
}

Result<void> FileSystemTypes::add(ktl::StringView name, const tessera_filesystem_type& type) {
  if (!valid_name(name))
    return Error::with_message(kEINVAL, "vfs: filesystem type name '%.*s' is not 1 to %zu bytes of a-z, 0-9, '.', '_', '-'",
                               int(name.length() > 40 ? 40 : name.length()), name.data(), kMaxNameLength);
  if (!type.mount || !type.release)
    return Error::with_message(kEINVAL, "vfs: filesystem type %.*s has no mount or release entry", int(name.length()),
                               name.data());
  if (slot_named(name))
    return Error::with_message(kEEXIST, "vfs: filesystem type %.*s is registered already", int(name.length()), name.data());
  for (TypeSlot& slot : g_types) {
    if (slot.used) continue;
    format(slot.name, sizeof slot.name, "%.*s", int(name.length()), name.data());
    slot.type = type;
    slot.used = true;
    log::debug("vfs: filesystem type %s registered", slot.name);
    return {};
  }
  return Error::with_message(kENOSPC, "vfs: cannot register filesystem type %.*s: %u types are registered",
                             int(name.length()), name.data(), kCapacity);
}

Result<void> FileSystemTypes::remove(ktl::StringView name) {
  TypeSlot* slot = slot_named(name);
  if (!slot)
    return Error::with_message(kENOENT, "vfs: no filesystem type %.*s is registered", int(name.length() > 40 ? 40 : name.length()),
                               name.data());
  return forget(*slot);
}

const tessera_filesystem_type* FileSystemTypes::find(ktl::StringView name) {
  TypeSlot* slot = slot_named(name);
  return slot ? &slot->type : nullptr;
}

Result<void> FileSystemTypes::forget_provided_by(uintptr_t begin, uintptr_t end) {
  for (TypeSlot& slot : g_types) {
    if (!slot.used) continue;
    if (!inside(reinterpret_cast<const void*>(slot.type.mount), begin, end) &&
        !inside(reinterpret_cast<const void*>(slot.type.release), begin, end))
      continue;
    char name[kMaxNameLength + 1];
    format(name, sizeof name, "%s", slot.name);
    TRY(forget(slot));
    log::warn("vfs: forgot filesystem type %s, which its module left registered", name);
  }
  return {};
}

uint32_t FileSystemTypes::count() {
  uint32_t count = 0;
  for (const TypeSlot& slot : g_types)
    if (slot.used) ++count;
  return count;
}

Result<void> mount_filesystem(Vfs& vfs, ktl::StringView source, ktl::StringView target, ktl::StringView type,
                              unsigned long flags, const void* data) {
  if (target.empty()) return Error::with_message(kENOENT, "mount: empty target path");
  if (!valid_name(type))
    return path_error(kENODEV, target, "cannot mount: '%.*s' is not a filesystem type name",
                      int(type.length() > 40 ? 40 : type.length()), type.data());
  if (flags != 0) return path_error(kEINVAL, target, "cannot mount: flags %#lx are not supported (only 0)", flags);
  TypeSlot* slot = TRY(type_for_mount(type, target));
  char source_text[64];
  format(source_text, sizeof source_text, "%.*s", int(source.length()), source.data());
  const tessera_filesystem_ops* ops = nullptr;
  void* instance = nullptr;
  int status = slot->type.mount(source_text, flags, data, &ops, &instance);
  if (status < 0)
    return path_error(-status, target, "cannot mount: filesystem %s refused: %s", slot->name, errno_name(-status));
  if (status > 0 || !ops) {
    if (!ops && status == 0) slot->type.release(instance);
    return path_error(kEIO, target, "cannot mount: filesystem %s's mount entry returned %d without a table", slot->name,
                      status);
  }
  auto mounted = mount_module_filesystem(vfs, target, *ops, instance, ModuleMountOwner{slot->type.release, slot});
  if (mounted.is_error()) slot->type.release(instance);
  return mounted;
}

Result<void> unmount_filesystem(Vfs& vfs, ktl::StringView target) { return unmount_module_filesystem(vfs, target); }

}  // namespace tessera
