#pragma once
// The bytes of a regular file or a symlink's target: one contiguous buffer that grows by
// doubling (so appends are amortised O(1)) and shrinks when a truncate leaves it mostly
// empty. Every change is all or nothing: when memory cannot be had, nothing changes.
#include <stddef.h>
#include <stdint.h>
#include "ram_memory.hh"

namespace tessera::ramfs {

class FileData {
 public:
  uint64_t size() const { return size_; }
  uint64_t capacity() const { return capacity_; }
  const uint8_t* bytes() const { return bytes_; }

  // Up to `count` bytes from `offset`; 0 at or past the end.
  size_t read(uint64_t offset, void* buffer, size_t count) const;
  // Writes all of `data` at `offset`, zero-filling any gap after the old end; 0 or -errno
  // (EFBIG past kMaxSize, ENOSPC/ENOMEM from `memory`).
  int write(RamMemory& memory, uint64_t offset, const void* data, size_t count);
  // 0 or -errno; growing fills with zeros.
  int resize(RamMemory& memory, uint64_t size);
  void release(RamMemory& memory);

  // Files stay addressable by a signed 64-bit offset (off_t), with room to spare.
  static constexpr uint64_t kMaxSize = uint64_t(1) << 62;

 private:
  // Makes room for `size` bytes; 0 or -errno.
  int reserve(RamMemory& memory, uint64_t size);
  int reallocate(RamMemory& memory, uint64_t capacity);

  uint8_t* bytes_ = nullptr;
  uint64_t size_ = 0;
  uint64_t capacity_ = 0;
};

}  // namespace tessera::ramfs
