#pragma once
// Descriptor numbers -> open file descriptions. The lowest free number is handed out,
// as POSIX requires, starting at vfs::kFirstFileDescriptor.
#include <stdint.h>
#include <tessera/result.hh>
#include <tessera/vfs.hh>
#include "fs/vfs/file_description.hh"

namespace tessera {

class FileDescriptorTable {
 public:
  constexpr FileDescriptorTable() = default;

  // Forgets every descriptor without releasing it (the previous boot's heap is gone).
  void reset();
  // EMFILE when every number is taken; the table then does not hold `description`.
  Result<int> install(FileDescription* description);
  // EBADF when `fd` is not open.
  Result<FileDescription*> get(int fd) const;
  // Removes `fd` and hands its reference to the caller.
  Result<FileDescription*> take(int fd);
  // Whether any open description refers to a node of mount `mount`.
  bool any_open_on(uint32_t mount) const;
  int open_count() const { return open_count_; }

 private:
  FileDescription* slots_[vfs::kMaxFileDescriptors] = {};
  // No free slot below this one (nor below kFirstFileDescriptor): zero-initialised so the
  // kernel's table (in g_kernel_vfs) lives in .bss, not in the image.
  int lowest_free_ = 0;
  int open_count_ = 0;
};

}  // namespace tessera
