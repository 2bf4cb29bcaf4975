#include "frame_queue.hh"

#include <cstring>

namespace tessera::linux_host {

namespace {
constexpr size_t kTypicalFrame = 1514;  // Ethernet MTU 1500 plus the 14-byte header
}

FrameQueue::FrameQueue() : slots_(kCapacity) {
  for (auto& slot : slots_) slot.reserve(kTypicalFrame);
}

bool FrameQueue::push(const void* frame, size_t length) {
  std::lock_guard lock(mutex_);
  if (count_ == kCapacity) {
    ++dropped_;
    return false;
  }
  auto& slot = slots_[(head_ + count_) % kCapacity];
  auto bytes = static_cast<const uint8_t*>(frame);
  slot.assign(bytes, bytes + length);
  ++count_;
  return true;
}

long FrameQueue::pop(void* buffer, size_t capacity) {
  std::lock_guard lock(mutex_);
  if (count_ == 0) return 0;
  auto& slot = slots_[head_];
  head_ = (head_ + 1) % kCapacity;
  --count_;
  if (slot.size() > capacity) {
    ++dropped_;
    return -1;
  }
  std::memcpy(buffer, slot.data(), slot.size());
  return long(slot.size());
}

uint64_t FrameQueue::dropped() const {
  std::lock_guard lock(mutex_);
  return dropped_;
}

size_t FrameQueue::size() const {
  std::lock_guard lock(mutex_);
  return count_;
}

}  // namespace tessera::linux_host
