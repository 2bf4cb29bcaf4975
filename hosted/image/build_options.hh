#pragma once
// How the builder turns host metadata into image metadata. The defaults make the image a
// function of the file names, contents and permission bits only, so two checkouts of the
// same tree build byte-identical images.
#include <stdint.h>

#include <optional>

namespace tessera::image {

struct BuildOptions {
  // Every file's data starts on a 4 KiB boundary (so it can be mapped page by page);
  // otherwise on an 8-byte boundary.
  bool page_align = false;
  // SOURCE_DATE_EPOCH, in seconds: the build time, and the mtime of every inode unless
  // keep_mtime. Unset: 0.
  std::optional<int64_t> source_date_epoch;
  // Keep host mtimes (clamped to source_date_epoch when it is set) instead of fixing them.
  bool keep_mtime = false;
  // Keep host uid/gid instead of 0/0.
  bool keep_owner = false;
  // Refuse symlinks whose resolution inside the image loops.
  bool check_symlinks = true;
};

inline constexpr uint32_t kDefaultDataAlignment = 8;
inline constexpr uint32_t kPageSize = 4096;

}  // namespace tessera::image
