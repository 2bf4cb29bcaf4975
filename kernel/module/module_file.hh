#pragma once
// Where a module's bytes come from, and what keeps them alive while the module lives
// (its ElfImage view borrows them).
#include <stdint.h>
#include <tessera/ktl/span.hh>
#include <tessera/ktl/string_view.hh>
#include <tessera/result.hh>

namespace tessera {

struct FileBytes {
  ktl::Bytes bytes;
  int file_descriptor = -1;  // kept open: `bytes` maps the file in place
  void* copy = nullptr;      // or a heap copy
};

// Zero copy when the filesystem holds the file in memory 8-byte aligned (the boot image
// does); otherwise a heap copy, read in full (EFBIG past ElfImage::kMaxFileSize).
Result<FileBytes> read_module_file(ktl::StringView path);
// Closes the descriptor or frees the copy; `file` is empty afterwards.
void release_module_file(FileBytes& file);

// The module name a path or DT_NEEDED entry stands for: "/lib/modules/hello.so" -> "hello",
// "libfoo.so" -> "libfoo".
ktl::StringView module_name_from_path(ktl::StringView path);

}  // namespace tessera
