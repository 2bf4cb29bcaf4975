#include "tap_port.hh"

#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace tessera::linux_host {
namespace {

// Reads per poll round: enough to batch a burst, few enough that the other ports of the
// same poll thread are not starved.
constexpr int kReadsPerRound = 64;

std::string describe_failure(const cli::NetworkOption& option, const char* step, int cause) {
  std::string message = "--net " + option.spec + ": " + step + ": ";
  switch (cause) {
    case ENOENT:
    case ENODEV:
      return message + "/dev/net/tun is missing (load the tun module: modprobe tun)";
    case EPERM:
    case EACCES:
      return message + "TAP interfaces need root or CAP_NET_ADMIN";
    case EBUSY:
      return message + "interface " + option.tap_name + " is already attached to another process";
    case EINVAL:
      return message + "interface " + option.tap_name + " exists but is not a TAP interface";
    default:
      return message + std::strerror(cause);
  }
}

}  // namespace

TapPort::TapPort(unsigned index, PortEvents& events, int fd) : index_(index), events_(events), fd_(fd) {
  // Random, locally administered (bit 1) and unicast (bit 0 clear).
  while (getrandom(mac_, sizeof mac_, 0) != ssize_t(sizeof mac_)) {
  }
  mac_[0] = uint8_t((mac_[0] & 0xfe) | 0x02);
}

std::unique_ptr<TapPort> TapPort::create(const cli::NetworkOption& option, unsigned index, PortEvents& events,
                                         std::string& error) {
  int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    error = describe_failure(option, "cannot open /dev/net/tun", errno);
    return nullptr;
  }
  ifreq request{};
  request.ifr_flags = IFF_TAP | IFF_NO_PI;
  std::strncpy(request.ifr_name, option.tap_name.c_str(), IFNAMSIZ - 1);
  if (ioctl(fd, TUNSETIFF, &request) != 0) {
    error = describe_failure(option, ("cannot attach to TAP interface " + option.tap_name).c_str(), errno);
    close(fd);
    return nullptr;
  }
  return std::unique_ptr<TapPort>(new TapPort(index, events, fd));
}

TapPort::~TapPort() { close(fd_); }

int TapPort::send(const void* frame, size_t length) {
  if (length > kMtu + 14u) return EMSGSIZE;
  ssize_t written = write(fd_, frame, length);
  if (written == ssize_t(length)) return 0;
  // EAGAIN: the interface's queue is full; EIO: it is down. Either way the frame is lost.
  return ENOBUFS;
}

void TapPort::prepare(PollSet& set) { poll_index_ = set.add(fd_, POLLIN); }

void TapPort::dispatch(const PollSet& set) {
  if (!(set.fds[poll_index_].revents & POLLIN)) return;
  bool arrived = false;
  for (int i = 0; i < kReadsPerRound; ++i) {
    ssize_t got = read(fd_, read_buffer_.data(), read_buffer_.size());
    if (got <= 0) break;  // EAGAIN: drained
    arrived |= incoming_.push(read_buffer_.data(), size_t(got));
  }
  if (arrived) events_.frames_arrived(index_);
}

}  // namespace tessera::linux_host
