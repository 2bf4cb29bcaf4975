#include "host_network.hh"

#include <poll.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "slirp_port.hh"
#include "tap_port.hh"

namespace tessera::linux_host {

HostNetwork::HostNetwork(RaiseLine raise_line) : raise_line_(std::move(raise_line)) {}

std::unique_ptr<HostNetwork> HostNetwork::create(const std::vector<cli::NetworkOption>& options,
                                                 RaiseLine raise_line, std::string& error) {
  if (options.size() > kMaxPorts) {
    error = "--net: at most " + std::to_string(kMaxPorts) + " network ports, " + std::to_string(options.size()) +
            " given";
    return nullptr;
  }
  // libslirp writes to host sockets whose peer may be gone: that must be EPIPE for
  // libslirp to handle, not a SIGPIPE that ends tessera (QEMU ignores it too).
  signal(SIGPIPE, SIG_IGN);
  std::unique_ptr<HostNetwork> network(new HostNetwork(std::move(raise_line)));
  network->wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (network->wake_fd_ < 0) {
    error = std::string("--net: cannot create an eventfd: ") + std::strerror(errno);
    return nullptr;
  }
  network->raised_ = std::make_unique<std::atomic<bool>[]>(options.size());
  for (const auto& option : options) {
    unsigned index = unsigned(network->ports_.size());
    std::unique_ptr<NetworkPort> port;
    if (option.backend == cli::NetworkOption::Backend::kUser)
      port = SlirpPort::create(option, index, *network, error);
    else
      port = TapPort::create(option, index, *network, error);
    if (!port) return nullptr;
    network->ports_.push_back(std::move(port));
    network->specs_.push_back(option.spec);
  }
  return network;
}

HostNetwork::~HostNetwork() {
  stop();
  ports_.clear();
  if (wake_fd_ >= 0) close(wake_fd_);
}

void HostNetwork::start() {
  if (thread_.joinable() || ports_.empty()) return;
  stopping_ = false;
  // Signals (Ctrl-C above all) stay with the guest's thread, whose Asio loop handles
  // them; the poll thread inherits a mask that blocks them all.
  sigset_t all, previous;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &previous);
  thread_ = std::thread([this] { poll_loop(); });
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
}

void HostNetwork::stop() {
  if (!thread_.joinable()) return;
  stopping_ = true;
  uint64_t one = 1;
  (void)!write(wake_fd_, &one, sizeof one);
  thread_.join();
  auto log = spdlog::get("tessera");
  for (size_t i = 0; log && i < ports_.size(); ++i) {
    auto to_guest = ports_[i]->dropped_to_guest(), from_guest = ports_[i]->dropped_from_guest();
    if (to_guest || from_guest)
      log->warn("--net {}: dropped {} frames for the guest and {} from it (queue full, or a frame longer than "
                "the guest's buffer)", specs_[i], to_guest, from_guest);
  }
}

void HostNetwork::line_taken(unsigned port) { raised_[port].store(false); }

void HostNetwork::frames_arrived(unsigned port) {
  if (!raised_[port].exchange(true)) raise_line_(port);
}

void HostNetwork::wake_poller() {
  // One write per poll round is enough; the flag spares the guest a system call per frame.
  if (wake_pending_.exchange(true)) return;
  uint64_t one = 1;
  (void)!write(wake_fd_, &one, sizeof one);
}

void HostNetwork::poll_loop() {
  PollSet set;
  while (!stopping_) {
    set.fds.clear();
    set.timeout_ms = -1;
    set.add(wake_fd_, POLLIN);
    for (auto& port : ports_) port->prepare(set);
    int ready = poll(set.fds.data(), set.fds.size(), set.timeout_ms);
    if (ready < 0) {
      for (auto& fd : set.fds) fd.revents = 0;
      if (errno != EINTR) usleep(1000);  // ENOMEM: back off instead of spinning
    }
    if (set.fds[0].revents & POLLIN) {
      uint64_t count;
      (void)!read(wake_fd_, &count, sizeof count);
    }
    wake_pending_ = false;
    for (auto& port : ports_) port->dispatch(set);
  }
}

}  // namespace tessera::linux_host
