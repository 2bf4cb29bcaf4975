#include "slirp_port.hh"

#include <arpa/inet.h>
#include <dirent.h>
#include <slirp/libslirp.h>
#include <sys/socket.h>
#include <spdlog/spdlog.h>
#include <time.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace tessera::linux_host {

struct SlirpPort::Timer {
  void (*callback)(void*);
  void* opaque;
  int64_t expire_ms = -1;  // -1: not armed
};

namespace {

// QEMU's first NIC; further user ports count up in the last byte as QEMU's do.
constexpr uint8_t kQemuMac[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
constexpr const char* kGuestAddress = "10.0.2.15";

in_addr ipv4(const char* text) {
  in_addr address{};
  inet_pton(AF_INET, text, &address);
  return address;
}

int64_t monotonic_ns() {
  timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return int64_t(now.tv_sec) * 1'000'000'000 + now.tv_nsec;
}

short to_poll_events(int slirp_events) {
  short events = 0;
  if (slirp_events & SLIRP_POLL_IN) events |= POLLIN;
  if (slirp_events & SLIRP_POLL_OUT) events |= POLLOUT;
  if (slirp_events & SLIRP_POLL_PRI) events |= POLLPRI;
  return events;  // poll() reports errors and hang-ups unasked
}

int to_slirp_events(short events) {
  int slirp_events = 0;
  if (events & POLLIN) slirp_events |= SLIRP_POLL_IN;
  if (events & POLLOUT) slirp_events |= SLIRP_POLL_OUT;
  if (events & POLLPRI) slirp_events |= SLIRP_POLL_PRI;
  if (events & (POLLERR | POLLNVAL)) slirp_events |= SLIRP_POLL_ERR;
  if (events & POLLHUP) slirp_events |= SLIRP_POLL_HUP;
  return slirp_events;
}

// libslirp listens for a TCP forward with a backlog of 1: a burst of host clients (wrk
// with 100 connections) then loses SYNs and waits a second for each retry. Listening
// again on the same socket raises the backlog. libslirp does not hand out the
// descriptor, so find it: the one listening socket bound to exactly this address.
void widen_backlog(in_addr host, uint16_t port) {
  DIR* directory = opendir("/proc/self/fd");
  if (!directory) return;
  while (dirent* entry = readdir(directory)) {
    int fd = atoi(entry->d_name);
    if (fd <= 2 || fd == dirfd(directory)) continue;
    int listening = 0;
    socklen_t size = sizeof listening;
    if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &size) != 0 || !listening) continue;
    sockaddr_in bound{};
    socklen_t length = sizeof bound;
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &length) != 0 || bound.sin_family != AF_INET) continue;
    if (bound.sin_addr.s_addr == host.s_addr && ntohs(bound.sin_port) == port) listen(fd, SOMAXCONN);
  }
  closedir(directory);
}

}  // namespace

SlirpPort::SlirpPort(unsigned index, PortEvents& events) : index_(index), events_(events) {
  std::memcpy(mac_, kQemuMac, sizeof mac_);
  mac_[5] = uint8_t(kQemuMac[5] + index);
}

std::unique_ptr<SlirpPort> SlirpPort::create(const cli::NetworkOption& option, unsigned index, PortEvents& events,
                                             std::string& error) {
  static const SlirpCb callbacks = {
      .send_packet = on_frame,
      .guest_error = on_guest_error,
      .clock_get_ns = on_clock,
      .timer_new = on_timer_new,
      .timer_free = on_timer_free,
      .timer_mod = on_timer_mod,
      .register_poll_fd = on_register_fd,
      .unregister_poll_fd = on_register_fd,
      .notify = on_notify,
  };
  SlirpConfig config{};
  config.version = 3;  // 4 only adds disable_dhcp and opaque timers, neither wanted
  config.in_enabled = true;
  config.vnetwork = ipv4("10.0.2.0");
  config.vnetmask = ipv4("255.255.255.0");
  config.vhost = ipv4("10.0.2.2");
  config.vdhcp_start = ipv4(kGuestAddress);
  config.vnameserver = ipv4("10.0.2.3");
  config.vhostname = "tessera";
  config.if_mtu = kMtu;
  config.if_mru = kMtu;

  std::unique_ptr<SlirpPort> port(new SlirpPort(index, events));
  port->slirp_ = slirp_new(&config, &callbacks, port.get());
  if (!port->slirp_) {
    error = "--net " + option.spec + ": libslirp could not start its network";
    return nullptr;
  }
  for (const auto& forward : option.forwards) {
    std::string host = forward.host_address.empty() ? "127.0.0.1" : forward.host_address;
    std::string guest = forward.guest_address.empty() ? kGuestAddress : forward.guest_address;
    bool udp = forward.protocol == "udp";
    errno = 0;
    if (slirp_add_hostfwd(port->slirp_, udp, ipv4(host.c_str()), forward.host_port, ipv4(guest.c_str()),
                          forward.guest_port) != 0) {
      int cause = errno;
      error = "--net " + option.spec + ": cannot forward host " + forward.protocol + " " + host + ":" +
              std::to_string(forward.host_port) + " to guest " + guest + ":" + std::to_string(forward.guest_port);
      if (cause == EADDRINUSE)
        error += ": host port " + std::to_string(forward.host_port) + " is already in use";
      else if (cause == EADDRNOTAVAIL)
        error += ": " + host + " is not an address of this host";
      else if (cause == EACCES)
        error += ": binding host port " + std::to_string(forward.host_port) + " needs privileges";
      else if (cause != 0)
        error += std::string(": ") + std::strerror(cause);
      return nullptr;  // the destructor cleans up libslirp and the forwards made so far
    }
    if (!udp) widen_backlog(ipv4(host.c_str()), forward.host_port);
  }
  return port;
}

SlirpPort::~SlirpPort() {
  if (slirp_) slirp_cleanup(slirp_);  // closes its sockets and frees its timers through us
}

int SlirpPort::send(const void* frame, size_t length) {
  if (length > kMtu + 14u) return EMSGSIZE;
  if (!outgoing_.push(frame, length)) return ENOBUFS;
  events_.wake_poller();
  return 0;
}

void SlirpPort::prepare(PollSet& set) {
  uint32_t timeout = set.timeout_ms < 0 ? UINT32_MAX : uint32_t(set.timeout_ms);
  slirp_pollfds_fill(
      slirp_, &timeout,
      [](int fd, int events, void* opaque) -> int {
        return int(static_cast<PollSet*>(opaque)->add(fd, to_poll_events(events)));
      },
      &set);
  if (timeout != UINT32_MAX) set.limit_timeout(int(timeout));
  int64_t now_ms = on_clock(this) / 1'000'000;
  for (const auto& timer : timers_)
    if (timer.expire_ms >= 0) set.limit_timeout(int(timer.expire_ms > now_ms ? timer.expire_ms - now_ms : 0));
}

void SlirpPort::dispatch(const PollSet& set) {
  // The guest's frames first: they may open connections whose sockets the poll below
  // must not miss, and answers to them (ARP, DHCP) go straight to the guest's queue.
  for (long length; (length = outgoing_.pop(input_frame_, sizeof input_frame_)) != 0;)
    if (length > 0) slirp_input(slirp_, input_frame_, int(length));
  slirp_pollfds_poll(
      slirp_, 0,
      [](int index, void* opaque) -> int {
        const auto& fds = static_cast<const PollSet*>(opaque)->fds;
        return index >= 0 && size_t(index) < fds.size() ? to_slirp_events(fds[size_t(index)].revents) : 0;
      },
      const_cast<PollSet*>(&set));
  fire_due_timers();
}

// One at a time and from the start again: a callback may re-arm or free any timer.
void SlirpPort::fire_due_timers() {
  for (;;) {
    int64_t now_ms = on_clock(this) / 1'000'000;
    Timer* due = nullptr;
    for (auto& timer : timers_)
      if (timer.expire_ms >= 0 && timer.expire_ms <= now_ms) {
        due = &timer;
        break;
      }
    if (!due) return;
    due->expire_ms = -1;
    due->callback(due->opaque);
  }
}

// On the poll thread, from inside slirp_input or slirp_pollfds_poll.
ssize_t SlirpPort::on_frame(const void* frame, size_t length, void* self) {
  auto& port = *static_cast<SlirpPort*>(self);
  // A full queue drops the frame; libslirp's TCP retransmits, like a lossy wire.
  if (port.incoming_.push(frame, length)) port.events_.frames_arrived(port.index_);
  return ssize_t(length);
}

void SlirpPort::on_guest_error(const char* message, void*) {
  if (auto log = spdlog::get("tessera")) log->debug("--net user: libslirp: guest error: {}", message);
}

int64_t SlirpPort::on_clock(void*) { return monotonic_ns(); }

void* SlirpPort::on_timer_new(void (*callback)(void*), void* callback_opaque, void* self) {
  auto& port = *static_cast<SlirpPort*>(self);
  return &port.timers_.emplace_back(Timer{callback, callback_opaque});
}

void SlirpPort::on_timer_free(void* timer, void* self) {
  static_cast<SlirpPort*>(self)->timers_.remove_if([timer](const Timer& t) { return &t == timer; });
}

void SlirpPort::on_timer_mod(void* timer, int64_t expire_ms, void* self) {
  static_cast<Timer*>(timer)->expire_ms = expire_ms < 0 ? 0 : expire_ms;
  static_cast<SlirpPort*>(self)->events_.wake_poller();
}

// Descriptors are collected afresh each round by slirp_pollfds_fill.
void SlirpPort::on_register_fd(int, void*) {}

void SlirpPort::on_notify(void* self) { static_cast<SlirpPort*>(self)->events_.wake_poller(); }

}  // namespace tessera::linux_host
