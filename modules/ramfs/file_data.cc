#include "file_data.hh"

#include <tessera/errno.hh>

namespace tessera::ramfs {
namespace {

constexpr uint64_t kMinimumCapacity = 64;

}  // namespace

size_t FileData::read(uint64_t offset, void* buffer, size_t count) const {
  if (offset >= size_) return 0;
  uint64_t available = size_ - offset;
  size_t copied = count < available ? count : size_t(available);
  __builtin_memcpy(buffer, bytes_ + offset, copied);
  return copied;
}

int FileData::write(RamMemory& memory, uint64_t offset, const void* data, size_t count) {
  uint64_t end = 0;
  if (__builtin_add_overflow(offset, uint64_t(count), &end) || end > kMaxSize) return -kEFBIG;
  if (count == 0) return 0;
  if (end > capacity_) {
    int error = reserve(memory, end);
    if (error) return error;
  }
  if (offset > size_) __builtin_memset(bytes_ + size_, 0, offset - size_);
  __builtin_memcpy(bytes_ + offset, data, count);
  if (end > size_) size_ = end;
  return 0;
}

int FileData::resize(RamMemory& memory, uint64_t size) {
  if (size > kMaxSize) return -kEFBIG;
  if (size > capacity_) {
    int error = reserve(memory, size);
    if (error) return error;
  }
  if (size > size_) {
    __builtin_memset(bytes_ + size_, 0, size - size_);
  } else if (size < capacity_ / 4 && capacity_ > kMinimumCapacity) {
    // Mostly empty after the cut: give memory back. Failing to is harmless.
    size_ = size;
    reallocate(memory, size < kMinimumCapacity ? kMinimumCapacity : size);
  }
  size_ = size;
  return 0;
}

void FileData::release(RamMemory& memory) {
  memory.release(bytes_, capacity_);
  bytes_ = nullptr;
  size_ = capacity_ = 0;
}

int FileData::reserve(RamMemory& memory, uint64_t size) {
  // Doubling keeps appends cheap; if the doubled buffer cannot be had, exactly enough may.
  uint64_t doubled = capacity_ * 2 > kMinimumCapacity ? capacity_ * 2 : kMinimumCapacity;
  if (doubled > size && doubled <= kMaxSize && reallocate(memory, doubled) == 0) return 0;
  return reallocate(memory, size);
}

int FileData::reallocate(RamMemory& memory, uint64_t capacity) {
  if (capacity > uint64_t(SIZE_MAX)) return -kEFBIG;
  int error = 0;
  auto* bytes = static_cast<uint8_t*>(memory.allocate(size_t(capacity), error, size_t(capacity_)));
  if (!bytes) return error;
  if (size_) __builtin_memcpy(bytes, bytes_, size_);
  memory.release(bytes_, capacity_);
  bytes_ = bytes;
  capacity_ = capacity;
  return 0;
}

}  // namespace tessera::ramfs
