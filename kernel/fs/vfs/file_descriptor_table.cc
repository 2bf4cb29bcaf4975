#include "fs/vfs/file_descriptor_table.hh"

#include <tessera/ktl/utility.hh>

namespace tessera {

void FileDescriptorTable::reset() {
  for (FileDescription*& slot : slots_) slot = nullptr;
  lowest_free_ = vfs::kFirstFileDescriptor;
  open_count_ = 0;
}

Result<int> FileDescriptorTable::install(FileDescription* description) {
  for (int fd = ktl::max(lowest_free_, vfs::kFirstFileDescriptor); fd < vfs::kMaxFileDescriptors; ++fd) {
    if (slots_[fd]) continue;
    slots_[fd] = description;
    lowest_free_ = fd + 1;
    ++open_count_;
    return fd;
  }
  return Error::with_message(kEMFILE, "vfs: all %d file descriptors are in use", vfs::kMaxFileDescriptors - vfs::kFirstFileDescriptor);
}

Result<FileDescription*> FileDescriptorTable::get(int fd) const {
  if (fd < vfs::kFirstFileDescriptor || fd >= vfs::kMaxFileDescriptors || !slots_[fd])
    return Error::with_message(kEBADF, "vfs: file descriptor %d is not open", fd);
  return slots_[fd];
}

Result<FileDescription*> FileDescriptorTable::take(int fd) {
  FileDescription* description = TRY(get(fd));
  slots_[fd] = nullptr;
  if (fd < lowest_free_) lowest_free_ = fd;
  --open_count_;
  return description;
}

bool FileDescriptorTable::any_open_on(uint32_t mount) const {
  for (const FileDescription* description : slots_)
    if (description && !description->stream() && description->node().mount == mount) return true;
  return false;
}

}  // namespace tessera
