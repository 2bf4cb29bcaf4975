#pragma once
// One hosted guest network port (a `tessera run --net` option) as HostNetwork drives it:
// the poll thread asks each port for the file descriptors it waits on and hands back
// what poll() reported; the guest thread sends frames and takes received ones.
#include <poll.h>

#include <cstddef>
#include <cstdint>
#include <vector>

#include "frame_queue.hh"

namespace tessera::linux_host {

// The pollfd array of one poll() round; ports remember the indexes they were given.
struct PollSet {
  std::vector<pollfd> fds;
  int timeout_ms = -1;  // -1: no port has a deadline

  size_t add(int fd, short events) {
    fds.push_back({fd, events, 0});
    return fds.size() - 1;
  }
  void limit_timeout(int ms) {
    if (ms >= 0 && (timeout_ms < 0 || ms < timeout_ms)) timeout_ms = ms;
  }
};

// What a port needs from its HostNetwork: both are safe from any thread.
class PortEvents {
 public:
  virtual void frames_arrived(unsigned port) = 0;  // raises the port's device line
  virtual void wake_poller() = 0;                  // the port's descriptors changed
 protected:
  ~PortEvents() = default;
};

class NetworkPort {
 public:
  static constexpr uint16_t kMtu = 1500;

  virtual ~NetworkPort() = default;
  virtual const uint8_t* mac() const = 0;
  uint16_t mtu() const { return kMtu; }

  // Guest thread. 0, or a Linux errno: ENOBUFS when the backend cannot take it now.
  virtual int send(const void* frame, size_t length) = 0;
  // Guest thread: see FrameQueue::pop.
  long receive(void* buffer, size_t capacity) { return incoming_.pop(buffer, capacity); }
  // Frames lost in this port's queues (full, or too long for the guest's buffer).
  virtual uint64_t dropped_to_guest() const { return incoming_.dropped(); }
  virtual uint64_t dropped_from_guest() const { return 0; }

  // Poll thread: register descriptors and deadlines, then handle what poll() found.
  virtual void prepare(PollSet& set) = 0;
  virtual void dispatch(const PollSet& set) = 0;

 protected:
  FrameQueue incoming_;
};

}  // namespace tessera::linux_host
