#pragma once
// `--net user`: libslirp, QEMU's user-mode network, with QEMU's default addressing
// (network 10.0.2.0/24, host 10.0.2.2, DNS 10.0.2.3, DHCP hands out 10.0.2.15).
// libslirp is not thread-safe, and its call chains are deeper than a guest thread's
// stack: every call into it happens on the poll thread (create and destroy excepted,
// which run while that thread is stopped). The guest's frames wait in outgoing_ until
// the poll thread hands them to slirp_input.
#include <sys/types.h>

#include <list>
#include <memory>
#include <string>

#include "network_port.hh"
#include "tessera/network_option.hh"

struct Slirp;

namespace tessera::linux_host {

class SlirpPort final : public NetworkPort {
 public:
  // Null with `error` set when a forward cannot be set up (address in use, ...).
  static std::unique_ptr<SlirpPort> create(const cli::NetworkOption& option, unsigned index, PortEvents& events,
                                           std::string& error);
  ~SlirpPort() override;

  const uint8_t* mac() const override { return mac_; }
  int send(const void* frame, size_t length) override;
  uint64_t dropped_from_guest() const override { return outgoing_.dropped(); }
  void prepare(PollSet& set) override;
  void dispatch(const PollSet& set) override;

 private:
  struct Timer;
  SlirpPort(unsigned index, PortEvents& events);
  void fire_due_timers();

  static ssize_t on_frame(const void* frame, size_t length, void* self);
  static void on_guest_error(const char* message, void* self);
  static int64_t on_clock(void* self);
  static void* on_timer_new(void (*callback)(void*), void* callback_opaque, void* self);
  static void on_timer_free(void* timer, void* self);
  static void on_timer_mod(void* timer, int64_t expire_ms, void* self);
  static void on_register_fd(int fd, void* self);
  static void on_notify(void* self);

  unsigned index_;
  PortEvents& events_;
  uint8_t mac_[6];
  Slirp* slirp_ = nullptr;
  FrameQueue outgoing_;
  uint8_t input_frame_[kMtu + 14];
  std::list<Timer> timers_;  // stable addresses: libslirp holds pointers to them
};

}  // namespace tessera::linux_host
