#include "fs/vfs/boot_mounts.hh"

#include "boot/boot_chart.hh"
#include "fs/vfs/filesystem_types.hh"
#include "fs/vfs/vfs.hh"

namespace tessera {

Result<BootMount> BootMounts::parse_entry(ktl::StringView entry, uint32_t number) {
  auto shown = [&] { return int(entry.length() > 48 ? 48 : entry.length()); };
  if (number > kMaxMounts)
    return Error::with_message(kEINVAL, "kernel option 'mount': more than %u entries", kMaxMounts);
  size_t colon = entry.find(':');
  if (entry.empty() || colon == ktl::StringView::npos)
    return Error::with_message(kEINVAL, "kernel option 'mount' expects TYPE:/PATH[,TYPE:/PATH...], got '%.*s' in entry %u",
                               shown(), entry.data(), number);
  BootMount mount{entry.substr(0, colon), entry.substr(colon + 1)};
  bool type_ok = !mount.type.empty() && mount.type.length() <= FileSystemTypes::kMaxNameLength;
  for (char c : mount.type)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-')) type_ok = false;
  if (!type_ok)
    return Error::with_message(kEINVAL, "kernel option 'mount': entry %u ('%.*s') needs a filesystem type of 1 to "
                               "%zu bytes of a-z, 0-9, '.', '_', '-' before the ':'", number, shown(), entry.data(),
                               FileSystemTypes::kMaxNameLength);
  bool path_ok = !mount.path.empty() && mount.path[0] == '/' && mount.path.length() < 256;
  for (char c : mount.path)
    if (c == ':' || c == ' ' || c == '\t') path_ok = false;
  if (!path_ok)
    return Error::with_message(kEINVAL, "kernel option 'mount': entry %u ('%.*s') needs an absolute path after "
                               "the ':'", number, shown(), entry.data());
  return mount;
}

Result<void> BootMounts::mount_all(ktl::StringView list) {
  return for_each(list, [](const BootMount& mount) -> Result<void> {
    TRY(mount_filesystem(kernel_vfs(), "none", mount.path, mount.type, 0, nullptr));
    boot_chart::record("filesystem mounted");
    return {};
  });
}

}  // namespace tessera
