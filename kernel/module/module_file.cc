#include "module/module_file.hh"

#include <tessera/vfs.hh>

#include "mm/heap.hh"
#include "module/elf_image.hh"
#include "module/module_format.hh"

namespace tessera {

ktl::StringView module_name_from_path(ktl::StringView path) {
  size_t slash = ktl::StringView::npos;
  for (size_t i = 0; i < path.length(); ++i)
    if (path[i] == '/') slash = i;
  if (slash != ktl::StringView::npos) path = path.substr(slash + 1);
  if (path.ends_with(".so")) path = path.substr(0, path.length() - 3);
  return path;
}

void release_module_file(FileBytes& file) {
  if (file.file_descriptor >= 0) (void)vfs::close(file.file_descriptor);
  if (file.copy) heap().free(file.copy);
  file = FileBytes{};
}

Result<FileBytes> read_module_file(ktl::StringView path) {
  FileBytes file;
  file.file_descriptor = TRY(vfs::open(path, vfs::open_flag::kReadOnly));
  if (auto mapped = vfs::map(file.file_descriptor);
      mapped.is_ok() && reinterpret_cast<uintptr_t>(mapped.value().data()) % 8 == 0) {
    file.bytes = mapped.value();
    return file;
  }
  auto stat = vfs::fstat(file.file_descriptor);
  if (stat.is_error()) {
    release_module_file(file);
    return stat.release_error();
  }
  auto size = static_cast<uint64_t>(stat.value().size);
  if (size > ElfImage::kMaxFileSize) {
    release_module_file(file);
    return Error::with_message(kEFBIG, "%.*s: file size %llu exceeds the limit %zu", TESSERA_NAME_ARG(path),
                               static_cast<unsigned long long>(size), ElfImage::kMaxFileSize);
  }
  file.copy = heap().allocate(size, 16);
  if (!file.copy) {
    release_module_file(file);
    return Error::with_message(kENOMEM, "%.*s: no memory to read its %llu bytes", TESSERA_NAME_ARG(path),
                               static_cast<unsigned long long>(size));
  }
  size_t done = 0;
  while (done < size) {
    auto got = vfs::pread(file.file_descriptor, {static_cast<uint8_t*>(file.copy) + done, size - done}, done);
    if (got.is_error() || got.value() == 0) {
      release_module_file(file);
      if (got.is_error()) return got.release_error();
      return Error::with_message(kEIO, "%.*s: file ended at %zu of %llu bytes", TESSERA_NAME_ARG(path), done,
                                 static_cast<unsigned long long>(size));
    }
    done += got.value();
  }
  (void)vfs::close(file.file_descriptor);
  file.file_descriptor = -1;
  file.bytes = {static_cast<const uint8_t*>(file.copy), size};
  return file;
}

}  // namespace tessera
