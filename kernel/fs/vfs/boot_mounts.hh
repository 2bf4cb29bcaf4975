#pragma once
// The kernel option mount=TYPE:/PATH[,TYPE:/PATH...] (kernel.conf or command line):
// filesystems mounted at boot, in order, each through mount_filesystem, so that a type
// nobody registered loads its module ("fs:TYPE") on the way.
#include <stdint.h>
#include <tessera/ktl/string_view.hh>
#include <tessera/result.hh>

namespace tessera {

struct BootMount {
  ktl::StringView type;
  ktl::StringView path;
};

class BootMounts {
 public:
  static constexpr uint32_t kMaxMounts = 8;

  // Calls visit(mount) for each entry of `list` ("" has none). EINVAL names the entry that
  // is not TYPE:/PATH (TYPE of a-z, 0-9, '.', '_', '-'; PATH absolute, no ',' or ':').
  template <typename Visit> static Result<void> for_each(ktl::StringView list, Visit visit) {
    uint32_t count = 0;
    while (!list.empty()) {
      size_t comma = list.find(',');
      ktl::StringView entry = list.substr(0, comma);
      list = comma == ktl::StringView::npos ? ktl::StringView() : list.substr(comma + 1);
      BootMount mount = TRY(parse_entry(entry, ++count));
      TRY(visit(mount));
      if (comma != ktl::StringView::npos && list.empty())
        return Error::with_message(kEINVAL, "kernel option 'mount': empty entry after the last ','");
    }
    return {};
  }
  static Result<void> validate(ktl::StringView list) {
    return for_each(list, [](const BootMount&) -> Result<void> { return {}; });
  }
  // Mounts every entry; the first failure ends it, naming the entry.
  static Result<void> mount_all(ktl::StringView list);

 private:
  static Result<BootMount> parse_entry(ktl::StringView entry, uint32_t number);
};

}  // namespace tessera
