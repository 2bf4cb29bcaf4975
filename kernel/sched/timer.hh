#pragma once
// One-shot timers with nanosecond deadlines on the monotonic clock. The callback runs
// in scheduler context (from the idle loop or a switch), so it must not block; it
// usually wakes a thread. A Timer must outlive its armed period (cancel before freeing).
#include <stdint.h>
#include <tessera/ktl/intrusive_list.hh>

namespace tessera {

class Timer {
 public:
  using Callback = void (*)(void* context);

  constexpr Timer() = default;
  ~Timer() { cancel(); }
  Timer(const Timer&) = delete;
  Timer& operator=(const Timer&) = delete;

  // Re-arming an armed timer moves its deadline.
  void arm(uint64_t deadline_ns, Callback callback, void* context);
  // Returns whether it was armed.
  bool cancel();
  bool is_armed() const { return node_.is_linked(); }
  uint64_t deadline_ns() const { return deadline_ns_; }

 private:
  friend class Scheduler;
  uint64_t deadline_ns_ = 0;
  Callback callback_ = nullptr;
  void* context_ = nullptr;
  ktl::IntrusiveListNode node_;
};

}  // namespace tessera
